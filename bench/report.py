"""The bench's results as tables: plain text for the terminal, Markdown for
bench/RESULTS.md. Derived figures (ratios, board estimates, the issue's
targets) are computed here from the measured ones, so results.json holds both."""
from .stats import ratio

CRYPTO_OPS = ("x25519", "ed25519_sign", "ed25519_verify", "seal_100", "open_100", "seal_1k", "open_1k")
HEAP_OPS = ("seal_100", "open_100", "seal_1k", "open_1k")
TARGET_RATIO = 20
TARGET_HEAP = 24 * 1024
TARGET_ESP32_SECONDS = 0.5
ESP32 = "ESP32 (240 MHz)"


def _ok(section):
    return bool(section) and section.get("available", False)


def _fw_backends(results):
    fw = results.get("firmware") or {}
    return {name: b for name, b in (fw.get("backends") or {}).items()} if _ok(fw) else {}


def _op_time(section, op):
    try:
        return section["ops"][op]["median_s"]
    except (KeyError, TypeError):
        return None


def _sum(*values):
    return None if any(v is None for v in values) else sum(values)


def derive(results):
    """Ratios, board estimates and the targets, from the measured figures."""
    native = results.get("native") if _ok(results.get("native")) else None
    host = results.get("host") if _ok(results.get("host")) else None
    boards = results.get("boards") if _ok(results.get("boards")) else None
    out = {"ratios": {}, "estimates": {}, "targets": {}}
    paths = {"host": host}
    paths.update({"firmware_" + n: b for n, b in _fw_backends(results).items() if _ok(b)})
    for name, section in paths.items():
        if section is None:
            continue
        out["ratios"][name + "/native"] = {
            op: ratio(_op_time(section, op), _op_time(native, op) if native else None) for op in CRYPTO_OPS}
    for name, section in paths.items():
        if not name.startswith("firmware_") or not boards:
            continue
        out["estimates"][name] = {
            board: {op: board_time(section, op, boards, board) for op in CRYPTO_OPS}
            for board in boards["boards"]}
    for name, section in paths.items():
        if not name.startswith("firmware_"):
            continue
        seal_open = _sum(_op_time(section, "seal_100"), _op_time(section, "open_100"))
        native_seal_open = _sum(_op_time(native, "seal_100"), _op_time(native, "open_100")) if native else None
        peaks = [section["ops"].get(op, {}).get("peak_heap_bytes") for op in ("seal_100", "open_100")]
        peak = None if None in peaks else max(peaks)
        ends = [out["estimates"].get(name, {}).get(ESP32, {}).get(op) for op in ("seal_100", "open_100")]
        esp32 = None if None in ends else ends[0][1] + ends[1][1]  # the high ends
        r = ratio(seal_open, native_seal_open)
        out["targets"][name] = {
            "seal_open_100_vs_native": {"value": r, "target": "<= %dx native" % TARGET_RATIO,
                                        "met": None if r is None else r <= TARGET_RATIO},
            "peak_heap_seal_open_100_bytes": {"value": peak, "target": "<= %d KiB" % (TARGET_HEAP // 1024),
                                              "met": None if peak is None else peak <= TARGET_HEAP},
            "esp32_seal_open_100_s": {"value": esp32, "target": "< %g s" % TARGET_ESP32_SECONDS,
                                      "met": None if esp32 is None else esp32 < TARGET_ESP32_SECONDS,
                                      # everything at the interpreter's factor: an upper bound
                                      "pystone_only": None if seal_open is None or not boards
                                      else seal_open * boards["boards"][ESP32]["factor"]},
        }
    return out


def board_time(section, op, boards, board):
    """(low, high) estimated seconds of `op` on `board`: the interpreted part
    times the pystone factor, plus the machine-code part (viper) times the
    board's time for a field multiplication over this machine's."""
    total = _op_time(section, op)
    if total is None:
        return None
    machine = section["ops"][op].get("machine_code_s") or 0.0
    # separate runs: under load the machine-code share can exceed the total
    interpreted = max(0.0, total - machine) * boards["boards"][board]["factor"]
    if not machine:
        return interpreted, interpreted
    per_mul = (boards.get("native_code") or {}).get("boards", {}).get(board, {}).get("mul")
    here = (section.get("kernel_us") or {}).get("mul")
    if not per_mul or not here:
        return None
    return tuple(interpreted + machine * s / (here * 1e-6) for s in per_mul["seconds"])


def fmt_range(pair):
    if pair is None:
        return "-"
    low, high = pair
    return fmt_time(high) if abs(high - low) <= 0.005 * high else "%s-%s" % (fmt_time(low), fmt_time(high))


# -- formatting --------------------------------------------------------------

def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return "%.2f s" % seconds
    if seconds >= 1e-3:
        return "%.2f ms" % (seconds * 1e3)
    return "%.1f us" % (seconds * 1e6)


def fmt_ratio(value):
    if value is None:
        return "-"
    if value >= 100:
        return "%.0fx" % value
    if value >= 10:
        return "%.1fx" % value
    if value >= 0.1:
        return "%.2fx" % value
    return "%.2gx" % value


def fmt_kib(n):
    return "-" if n is None else "%.1f KiB" % (n / 1024)


def fmt_num(value, digits=0):
    return "-" if value is None else "{:,.{}f}".format(value, digits)


def _ms(value):
    return "-" if value is None else "%.1f ms" % value


def _mj(pair):
    low, high = pair
    return "%.1f mJ" % high if abs(high - low) <= 0.005 * high else "%.1f-%.1f mJ" % (low, high)


def table(headers, rows, markdown):
    rows = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _heading(text, markdown, level=2):
    return ("#" * level + " " + text) if markdown else "\n== %s ==" % text


def one_line(text, limit=300):
    text = " / ".join(line.strip() for line in str(text).splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _seeding(run):
    """'build + load' seconds of a lookup run's directory (the build marked
    'cached' when an earlier run made it)."""
    built = "%.1f s%s" % (run["seed_seconds"], " cached" if run.get("seed_cached") else "")
    return "%s + %.1f s" % (built, run["load_seconds"]) if "load_seconds" in run else built


def _unavailable(section):
    return "not available: %s" % one_line((section or {}).get("reason", "not run"))


class Report:
    def __init__(self, results, markdown):
        self.r = results
        self.md = markdown
        self.derived = results.get("derived") or derive(results)
        self.out = []

    def add(self, text=""):
        self.out.append(text)

    def heading(self, text):
        self.add(_heading(text, self.md))
        if self.md:
            self.add()

    def tab(self, headers, rows):
        self.add(table(headers, rows, self.md))
        self.add()

    def open_section(self, title, key):
        """Heading, then the section's results, or None after saying why there are none."""
        self.heading(title)
        section = self.r.get(key)
        if not _ok(section):
            self.note(_unavailable(section))
            return None
        return section

    def note(self, text):
        self.add(text if self.md else "  " + text)
        if self.md:
            self.add()

    def render(self):
        meta = self.r.get("meta", {})
        if self.md:
            self.add("# NES benchmark results")
            self.add()
            self.add("Generated by `make bench` (bench/); the raw figures are in bench/results.json. "
                     "Every figure sits next to a reference measured in the same run; compare ratios, "
                     "not absolute times, across machines.")
            self.add()
        self.add("run: %s profile, %s, %s, %s" % (
            meta.get("profile"), meta.get("started"), meta.get("machine"), meta.get("python")))
        if self.md:
            self.add()
        if meta.get("load_start") is not None:
            self.note("load average (1 min) %.1f at the start and %.1f at the end of the run, sections run: %s; "
                      "a load above the core count means other programs shared the machine: compare the "
                      "figures of one run with each other, not with another run's"
                      % (meta["load_start"], meta.get("load_end", float("nan")), ", ".join(meta.get("sections", []))))
        self.crypto()
        self.heap()
        self.boards()
        self.targets()
        self.keyserver()
        self.e2e()
        self.transparency()
        self.listen_profile()
        self.duty()
        return "\n".join(self.out).rstrip() + "\n"

    # -- sections ------------------------------------------------------------

    def crypto(self):
        self.heading("1-2. Crypto: firmware (MicroPython unix port), host (pycryptodome), native (OpenSSL)")
        backends = _fw_backends(self.r)
        native, host = self.r.get("native"), self.r.get("host")
        for name, section in (("host", host), ("native", native)):
            if not _ok(section):
                self.note("%s: %s" % (name, _unavailable(section)))
        for name, b in backends.items():
            if not _ok(b):
                self.note("firmware %s: %s" % (name, _unavailable(b)))
        if not _ok(self.r.get("firmware")):
            self.note("firmware: %s" % _unavailable(self.r.get("firmware")))
        live = [n for n, b in backends.items() if _ok(b)]
        headers = ["op"] + ["fw %s" % n for n in live] + ["host", "native"]
        headers += ["fw %s/native" % n for n in live] + ["host/native"]
        rows = []
        ratios = self.derived["ratios"]
        for op in CRYPTO_OPS:
            row = [op] + [fmt_time(_op_time(backends[n], op)) for n in live]
            row += [fmt_time(_op_time(host, op) if _ok(host) else None),
                    fmt_time(_op_time(native, op) if _ok(native) else None)]
            row += [fmt_ratio(ratios.get("firmware_%s/native" % n, {}).get(op)) for n in live]
            row += [fmt_ratio(ratios.get("host/native", {}).get(op))]
            rows.append(row)
        self.tab(headers, rows)
        fw = self.r.get("firmware") or {}
        heap = next((b.get("timing_heap") for b in backends.values() if _ok(b)), None)
        self.note("firmware: median of %s runs per op, %s, heap %s; "
                  "host/native: median per call over batches; native = %s"
                  % (self.r.get("meta", {}).get("crypto_reps"), fw.get("micropython"), heap,
                     (native or {}).get("implementation", "-")))
        for name in live:
            b = backends[name]
            self.note("firmware %s: the firmware ran its %s backend%s" % (
                name, b.get("backend_reported"),
                " (%s)" % ", ".join(b["viper_modules"]) if b.get("viper_modules") else ""))

    def heap(self):
        self.heading("1. Firmware heap (MicroPython unix port, 64-bit)")
        backends = {n: b for n, b in _fw_backends(self.r).items() if _ok(b)}
        if not backends:
            self.note(_unavailable(self.r.get("firmware")))
            return
        rows = []
        for name, b in backends.items():
            for op in HEAP_OPS:
                o = b["ops"].get(op, {})
                rows.append([name, op, fmt_kib(o.get("peak_heap_bytes")), fmt_kib(o.get("min_free_heap_bytes")),
                             fmt_kib(o.get("alloc_bytes"))])
            rows.append([name, "(resident: modules + inputs)", "", "", fmt_kib(b.get("resident_bytes"))])
        self.tab(["backend", "op", "peak heap", "least free heap", "allocated per op"], rows)
        self.note("least free heap = smallest free heap (above what is already loaded) with which the op still "
                  "succeeds, found by filling the rest with ballast (it also pays for fragmentation); "
                  "allocated = all bytes the op allocates with the collector off; peak heap = the smaller "
                  "of the two, both being upper bounds of the high-water mark of live data. Objects on a "
                  "32-bit board are smaller (4-byte words, 16-byte GC blocks instead of 32), so a board "
                  "needs less than this.")

    def boards(self):
        b = self.open_section("3. Estimated board times (unix-port time x factor)", "boards")
        if not b:
            return
        rows = [[name, fmt_num(info["pystones_per_s"]), fmt_num(info["factor"], 1)]
                for name, info in b["boards"].items()]
        self.tab(["board", "pystones/s", "factor"], rows)
        self.note("%s; unix port here: %s pystones/s (%s)" % (
            b["method"], fmt_num(b["unix_pystones_per_s"]), b["pystone"]))
        for name, info in b["boards"].items():
            self.note("%s: %s" % (name, info["source"]))
        self.note(b["caveat"])
        self.native_code(b.get("native_code"))
        for path, per_board in self.derived["estimates"].items():
            rows = [[board] + [fmt_range(t[op]) for op in CRYPTO_OPS] for board, t in per_board.items()]
            self.add("%s:" % path if not self.md else "**%s**" % path)
            if self.md:
                self.add()
            self.tab(["board"] + list(CRYPTO_OPS), rows)

    def native_code(self, nc):
        if not nc:
            return
        viper = _fw_backends(self.r).get("viper") or {}
        here = (viper.get("kernel_us") or {}).get("mul")
        rows = []
        for board, info in nc["boards"].items():
            for op in ("mul", "sqr"):
                n = info[op]["by_class"]
                rows.append([board, op, info["arch"], fmt_num(info[op]["instructions"]),
                             "%d / %d / %d" % (n["load"], n["store"], n["mul"]),
                             fmt_range(info[op]["seconds"])])
        self.tab(["board", "field op", "code", "instructions", "loads / stores / multiplies", "time"], rows)
        self.note("Machine code (viper): %s The viper ops' machine-code share is scaled by the board's "
                  "time per multiplication over this machine's (%s, measured in fe_viper.run); the "
                  "estimates below give the low-high range of the cycle model."
                  % (nc["method"], fmt_time(here * 1e-6) if here else "-"))

    def targets(self):
        self.heading("Targets of issue 9 (reported, not asserted)")
        rows = []
        for path, t in self.derived["targets"].items():
            for name, fmt in (("seal_open_100_vs_native", fmt_ratio),
                              ("peak_heap_seal_open_100_bytes", fmt_kib),
                              ("esp32_seal_open_100_s", fmt_time)):
                item = t[name]
                met = {True: "yes", False: "no", None: "-"}[item["met"]]
                rows.append([path, name, fmt(item["value"]), item["target"], met])
        if rows:
            self.tab(["path", "figure", "value", "target", "met"], rows)
            bounds = ["%s %s" % (path, fmt_time(t["esp32_seal_open_100_s"].get("pystone_only")))
                      for path, t in self.derived["targets"].items()]
            self.note("esp32_seal_open_100_s is the high end of section 3's estimate (interpreted part "
                      "by pystone, machine code by instruction count). With the pystone factor applied "
                      "to machine code as well, an upper bound: %s." % ", ".join(bounds))
        else:
            self.note("no firmware figures")

    def keyserver(self):
        ks = self.open_section("4. Key server lookups (loopback)", "keyserver")
        if not ks:
            return
        nginx = ks.get("nginx") or {}
        ceiling = nginx.get("loaded", {}).get("rps")
        rows = []
        for store, s in ks["stores"].items():
            if not s.get("available", True):
                rows.append([store, "-", "not available (below)"] + [""] * 8)
                self.note("%s: %s" % (store, _unavailable(s)))
                continue
            for run in s["runs"]:
                for server, figures, seeding in ((store, run, _seeding(run)),
                                                 ("nginx cache -> " + store, run.get("cache"), "")):
                    if figures is None:
                        continue
                    lo, un = figures["loaded"], figures["unloaded"]
                    cpu = lo.get("cpu_us_per_request")
                    misses = "%.1f%%" % (100 * lo["misses"] / lo["requests"]) \
                        if server != store and lo.get("requests") and "misses" in lo else ""
                    rows.append([server, fmt_num(run["users"]), fmt_num(lo["rps"]), "%.2f ms" % lo["p50_ms"],
                                 "%.2f ms" % lo["p99_ms"], "%.2f ms" % un["p50_ms"],
                                 fmt_ratio(ratio(lo["rps"], ceiling)), "" if cpu is None else "%.0f us" % cpu,
                                 misses, str(lo["errors"] + un["errors"]), seeding])
        if "loaded" in nginx:
            lo, un = nginx["loaded"], nginx["unloaded"]
            rows.append(["nginx static (ceiling)", "-", fmt_num(lo["rps"]), "%.2f ms" % lo["p50_ms"],
                         "%.2f ms" % lo["p99_ms"], "%.2f ms" % un["p50_ms"], "1.0x", "", "",
                         str(lo["errors"] + un["errors"]), ""])
        else:
            self.note("nginx: %s" % _unavailable(nginx))
        self.tab(["server", "users", "lookups/s", "p50", "p99", "p50 1 conn", "vs nginx", "CPU/lookup",
                  "misses", "errors", "seeding"], rows)
        self.note("%s; p50/p99 under load, then with one connection; CPU/lookup = CPU time (user + system) "
                  "of the gunicorn master and workers over the loaded run / its lookups; misses = lookups "
                  "the cache passed to the origin (the answers its folder gained over the loaded run); seeding = building the "
                  "directory (bulk insert of users and stored answers, then the transparency log's backfill) "
                  "into a SQLite file kept between runs (\"cached\": built by an earlier run), + loading it into "
                  "the store measured (a file copy; COPY of every table into PostgreSQL); rows past the first "
                  "%s carry a placeholder signature (a lookup returns stored text either way)"
                  % (ks["setup"], ks.get("signed_rows")))

    def e2e(self):
        e = self.open_section("5. End to end through Mosquitto (loopback)", "e2e")
        if not e:
            return
        rows = []
        lat, bare = e.get("latency"), e.get("bare_mqtt_latency")
        if lat:
            rows.append(["board -> host latency", "%.1f ms" % lat["p50_ms"], "%.1f ms" % lat["p99_ms"],
                         "%d msgs" % lat["n"], fmt_ratio(ratio(lat["p50_ms"], bare and bare["p50_ms"]))])
        elif e.get("latency_reason"):
            rows.append(["board -> host latency", "-", "-", "not available (below)", ""])
        if bare:
            rows.append(["bare MQTT round trip (reference)", "%.2f ms" % bare["p50_ms"], "%.2f ms" % bare["p99_ms"],
                         "%d msgs" % bare["n"], "1.0x"])
        self.tab(["latency", "p50", "p99", "samples", "vs bare MQTT"], rows)
        rows = []
        listen, bare_rate = e.get("listen"), e.get("bare_mqtt_rate")
        if listen:
            rows.append(["nes listen --json (open + verify + print)", fmt_num(listen["msgs_per_s"], 1),
                         "%d msgs" % listen["n"], fmt_ratio(ratio(listen["msgs_per_s"], bare_rate and bare_rate["msgs_per_s"]))])
        elif e.get("listen_reason"):
            rows.append(["nes listen --json", "-", "not available (below)", ""])
        two = e.get("listen_workers_2")
        if two and listen:
            rows.append(["nes listen --json --workers 2 (%s of one)" % fmt_ratio(ratio(two["msgs_per_s"], listen["msgs_per_s"])),
                         fmt_num(two["msgs_per_s"], 1), "%d msgs" % two["n"],
                         fmt_ratio(ratio(two["msgs_per_s"], bare_rate and bare_rate["msgs_per_s"]))])
        if bare_rate:
            rows.append(["bare MQTT delivery (reference)", fmt_num(bare_rate["msgs_per_s"], 1),
                         "%d msgs" % bare_rate["n"], "1.0x"])
        if listen and listen.get("open_alone_msgs_per_s"):
            rows.append(["host open + verify alone, same run (fresh frames, replay cache)",
                         fmt_num(listen["open_alone_msgs_per_s"], 1), "-",
                         fmt_ratio(ratio(listen["open_alone_msgs_per_s"], bare_rate and bare_rate["msgs_per_s"]))])
        host_open = _op_time(self.r.get("host"), "open_100") if _ok(self.r.get("host")) else None
        if host_open:
            rows.append(["host open_100 alone (section 2, crypto only)", fmt_num(1 / host_open, 1), "-",
                         fmt_ratio(ratio(1 / host_open, bare_rate and bare_rate["msgs_per_s"]))])
        if rows:
            self.tab(["throughput", "msgs/s", "samples", "vs bare MQTT"], rows)
        self.listen_cpu(listen, two)
        self.hops(e)
        for key, what in (("latency_reason", "board -> host latency"), ("listen_reason", "nes listen")):
            if e.get(key):
                self.note("%s not available: %s" % (what, one_line(e[key])))
        for text in e.get("notes", []):
            self.note(text)

    def transparency(self):
        t = self.open_section("6. Transparency log (docs/TRANSPARENCY.md)", "transparency")
        if not t:
            return
        rows = []
        for store, a in t["appends"].items():
            if a.get("available", True):
                rows.append([store, fmt_num(a["per_s"], 1), str(a["appends"])])
            else:
                rows.append([store, "-", "not available (below)"])
                self.note("%s: %s" % (store, _unavailable(a)))
        self.tab(["store", "appends/s", "appends"], rows)
        self.tab(["tree size", "inclusion + map hashes", "proof fields (budget 2,048 B)",
                  "consistency hashes", "consistency proof", "checkpoint note", "log member",
                  "with consistency proof"],
                 [[fmt_num(p["tree_size"]), "%d + %d" % (p["inclusion_hashes"], p["map_hashes"]),
                   "%d B" % p["proof_bytes"], str(p["consistency_hashes"]), "%d B" % p["consistency_bytes"],
                   "%d B" % p["checkpoint_bytes"], "%d B" % p["log_member_bytes"],
                   "%d B" % p["with_consistency_bytes"]] for p in t["proofs"]])
        self.note("%s; a host checks a log member in %s" % (t["note"], fmt_time(t["host_check_s"])))
        board = t.get("board_check")
        if board and "log_check_s" in board:
            boards = (self.r.get("boards") or {}).get("boards") or {}
            factor = (boards.get(ESP32) or {}).get("factor")
            # Negative when the one more SHA-512 block is below this run's noise: counted as 0.
            signed_extra = max(0.0, board["answer_hash_logged_s"] - board["answer_hash_plain_s"])
            rows = [[what, fmt_time(value), fmt_time(value * factor) if factor else "-"]
                    for what, value in (
                        ("log check: inclusion + map proofs (hashing)", board["log_check_s"]),
                        ("  with a consistency proof from the kept checkpoint", board["log_check_consistency_s"]),
                        ("SHA-512 of the answer's signed bytes, plain (in any lookup)",
                         board["answer_hash_plain_s"]),
                        ("  the same, lookup logged (32 B longer, same 2 blocks)", board["answer_hash_logged_s"]),
                        ("extra of the longer signed bytes (difference, >= 0)", signed_extra),
                        ("extra total (consistency case)", board["log_check_consistency_s"] + signed_extra),
                        ("with a witness key: its cosignature, when the kept checkpoint advances",
                         board["cosignature_verify_s"]))]
            self.tab(["board, %s entries, %d map hashes, %d B member" % (
                          fmt_num(board["tree_size"]), board["map_hashes"], board["member_bytes"]),
                      "unix port (viper, 192k)", "%s (x pystone factor)" % ESP32], rows)
            self.note("the board verifies one Ed25519 signature per lookup, as without the log: the answer's "
                      "covers the log state; a board provisioned with a witness key verifies one more, the "
                      "witness's cosignature, only when the checkpoint it keeps changes (a pin after the log "
                      "grew), never for the same checkpoint again. Measured: the unix port; estimated: %s, "
                      "by the pystone factor, an upper bound for the SHA-256 (C in both ports) and the viper "
                      "SHA-512" % ESP32)

    def listen_cpu(self, listen, two):
        """The listener against its crypto in the same run, by rate and by CPU time."""
        if listen and listen.get("open_alone_msgs_per_s"):
            self.note("one process: %s msgs/s = %s of open + verify alone in the same run (%s msgs/s, measured "
                      "before and after the drain; goal >= 0.8x); CPU per message %.2f ms against %.2f ms for "
                      "open + verify alone (%s of the listener's CPU is the crypto)"
                      % (fmt_num(listen["msgs_per_s"], 1),
                         fmt_ratio(ratio(listen["msgs_per_s"], listen["open_alone_msgs_per_s"])),
                         fmt_num(listen["open_alone_msgs_per_s"], 1), listen["cpu_ms_per_msg"],
                         listen["open_alone_cpu_ms"],
                         "%.0f%%" % (100 * listen["open_alone_cpu_ms"] / listen["cpu_ms_per_msg"])
                         if listen["cpu_ms_per_msg"] > 0 else "-"))
        if listen and two and "cpu_ms_per_msg" in two:
            own = two.get("listener_cpu_ms_per_msg")
            bound = 2 * listen["cpu_ms_per_msg"] / two["cpu_ms_per_msg"] if two["cpu_ms_per_msg"] > 0 else None
            self.note("--workers 2: %s of one process (goal >= 1.7x on 2 cores); CPU per message %.2f ms%s, "
                      "against %.2f ms in one process: with both cores free for it, the CPU it takes bounds the "
                      "gain at %s; the load average above says how free they were"
                      % (fmt_ratio(ratio(two["msgs_per_s"], listen["msgs_per_s"])), two["cpu_ms_per_msg"],
                         " (the listener process %.2f ms, its 2 workers %.2f ms)" % (own, two["cpu_ms_per_msg"] - own)
                         if own is not None else "", listen["cpu_ms_per_msg"],
                         fmt_ratio(bound) if bound else "-"))

    def hops(self, e):
        """The per-hop breakdown of both directions (ms, p50 / p99)."""
        rows = []
        for key, direction in (("latency", "board -> host"),
                               ("latency_split_writes", "board -> host, umqtt.simple's 5 writes per PUBLISH (before)"),
                               ("host_to_board", "host -> board")):
            lat = e.get(key)
            if not lat or "hops" not in lat:
                continue
            rows.append(["%s, end to end" % direction, "%.2f" % lat["p50_ms"], "%.2f" % lat["p99_ms"]])
            rows += [["  " + hop, "%.2f" % v["p50_ms"], "%.2f" % v["p99_ms"]] for hop, v in lat["hops"].items()]
            beyond = lat.get("beyond_seal_and_open")
            if beyond:
                rows.append(["  end to end minus board seal and host open (%.2f ms)" % e["host_open_ms"],
                             "%.2f" % beyond["p50_ms"], "%.2f" % beyond["p99_ms"]])
        if rows:
            self.tab(["hop (ms)", "p50", "p99"], rows)
            self.note("hops: board times from time.time_ns() around the board's PUBLISH (its seal ends as the "
                      "PUBLISH starts) and around its handling of a received frame; broker out = a bare paho "
                      "subscriber on the same topic; host open = open + verify of one frame by host_tools.protocol "
                      "in this run; (alone): measured apart in this run, a part of a hop above (the listener "
                      "records a message on disk before it shows it)")

    def listen_profile(self):
        p = self.open_section("7. Per-message profile of `nes listen --json` (bench/listen_profile.py)",
                              "listen_profile")
        if not p:
            return
        names = {"journal_batched": "journal, %s per sync (now)", "journal_per_message": "journal, 1 per sync",
                 "rewrite_per_message": "whole cache rewritten per message (before)"}
        variants = [(k, p[k]) for k in names if k in p]
        parts = list(variants[0][1]["per_message_us"])
        rows = [[part] + ["%.0f us" % v["per_message_us"][part] for _, v in variants] for part in parts]
        rows.append(["caller's thread, whole loop (handle_events)"]
                    + ["%.0f us" % v["caller_total_us"] for _, v in variants])
        rows.append(["drain rate without cProfile (msgs/s)"]
                    + [fmt_num(v["unprofiled_msgs_per_s"], 1) for _, v in variants])
        if all("crypto_alone_msgs_per_s" in v for _, v in variants):
            rows.append(["open + verify alone, before and after that drain (msgs/s)"]
                        + [fmt_num(v["crypto_alone_msgs_per_s"], 1) for _, v in variants])
            rows.append(["drain rate / open + verify alone"]
                        + [fmt_ratio(ratio(v["unprofiled_msgs_per_s"], v["crypto_alone_msgs_per_s"]))
                           for _, v in variants])
            rows.append(["CPU per message, both threads / open + verify alone (ms)"]
                        + ["%.2f / %.2f" % (v["unprofiled_cpu_ms"], v["crypto_alone_cpu_ms"]) for _, v in variants])
        self.tab(["part, per message (cProfile)"]
                 + [names[k] % p.get("batch", "") if "%" in names[k] else names[k] for k, _ in variants], rows)
        self.note("%d messages drained per variant and run. %s" % (variants[0][1]["n"], " ".join(p.get("notes", []))))

    def duty(self):
        d = self.open_section("8. Battery duty cycle: awake time per wake (power.sleep_s, bench/duty.py)", "duty")
        if not d:
            return
        awake, crypto = d["awake"], d["crypto_ms"]
        gathered, plain = d["bare"]["gathered"], d["bare"]["plain"]
        goal = 2 * gathered["since_start_p50_ms"] + crypto
        self.tab(["measured on the virtual board (unix port, loopback)", "p50", "p99", "samples"], [
            ["awake per wake: resume session, open 1 queued frame, seal + post 1 reading, sleep",
             _ms(awake["p50_ms"]), _ms(awake["p99_ms"]), "%d wakes" % awake["n"]],
            ["  of which CPU time of the board's process", _ms(awake["cpu_p50_ms"]), "", ""],
            ["first two wakes (new session + key lookups)",
             " / ".join("%d ms" % t for t in d["first_wakes_ms"]), "", ""],
            ["bare umqtt.simple connect + QoS 1 publish (%d B) + disconnect, from process start"
             % d["frame_bytes"], _ms(gathered["since_start_p50_ms"]), "", "%d runs" % gathered["n"]],
            ["  of which connect-publish-disconnect", _ms(gathered["mqtt_p50_ms"]), "", ""],
            ["  the same with umqtt.simple's own small writes (Nagle)", _ms(plain["since_start_p50_ms"]), "", ""],
            ["firmware seal_100 + open_100 (%s)" % d["backend"], _ms(crypto), "", ""],
        ])
        self.note("goal of issue 16: awake <= 2 x bare + crypto = %s; measured %s (%s): %s"
                  % (_ms(goal), _ms(awake["p50_ms"]), fmt_ratio(ratio(awake["p50_ms"], goal)),
                     "met" if awake["p50_ms"] <= goal else "not met"))
        if not d.get("boards"):
            self.note("board estimates: %s" % _unavailable({"reason": d.get("estimate_reason")}))
        else:
            rows = [[name, fmt_num(b["factor"], 1), fmt_time(b["work_s"]), fmt_range(b["awake_s"]),
                     _mj(b["work_mj"]), _mj(b["awake_mj"]), "%.1f mJ" % b["sleep_mj"]]
                    for name, b in d["boards"].items()]
            self.tab(["estimated board", "pystone factor", "work (CPU x factor + waits)", "awake with Wi-Fi join",
                      "energy, work", "energy, awake with join", "energy, %d s asleep" % d["sleep_for_energy_s"]],
                     rows)
            for name, b in d["boards"].items():
                self.note("%s currents: %s" % (name, b["currents"]))
            self.note("estimates, not measurements: %s; Wi-Fi join %s; energy = %.1f V x current x time"
                      % (d["method"], d["join_source"], d["supply_v"]))
        for text in d.get("notes", []):
            self.note(text)


def render(results, markdown=False):
    return Report(results, markdown).render()

