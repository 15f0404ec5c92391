-- wrk script of the bench: GET /users/<name> among the BENCH_USERS registered
-- names (or one fixed BENCH_PATH, the static file), and a JSON summary line.
--
-- The names a run asks for: BENCH_HOT names spread evenly over the
-- population (all of it when unset), and a BENCH_COLD share of lookups of a
-- name drawn from the whole population. BENCH_WARM=1 asks for the hot names
-- in order, once each and then round again (a cache's warm-up pass).
local users = tonumber(os.getenv("BENCH_USERS") or "0")
local hot = tonumber(os.getenv("BENCH_HOT") or "0")
if hot <= 0 or hot > users then hot = users end
local stride = hot > 0 and math.floor(users / hot) or 1
local cold = tonumber(os.getenv("BENCH_COLD") or "0")
local warm = os.getenv("BENCH_WARM") == "1"
local fixed = os.getenv("BENCH_PATH")
local next_warm = 0
math.randomseed(12345)

local function name(i)
  return string.format("/users/u%07d", i)
end

request = function()
  if fixed then
    return wrk.format("GET", fixed)
  end
  local i
  if warm then
    i = (next_warm % hot) * stride
    next_warm = next_warm + 1
  elseif cold > 0 and math.random() < cold then
    i = math.random(0, users - 1)
  else
    i = math.random(0, hot - 1) * stride
  end
  return wrk.format("GET", name(i))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
