-- wrk script of the bench: GET /users/<name> for names drawn at random from
-- the BENCH_USERS registered ones (or one fixed path for the static file),
-- and a JSON summary line at the end.
local users = tonumber(os.getenv("BENCH_USERS") or "0")
local fixed = os.getenv("BENCH_PATH")
math.randomseed(12345)

request = function()
  local path = fixed
  if not path then
    path = string.format("/users/u%07d", math.random(0, users - 1))
  end
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
