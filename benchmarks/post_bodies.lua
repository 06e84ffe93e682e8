-- wrk script of bench_core.py: POST form bodies read from a file, one per line.
--
--   wrk -t2 -c8 -d12s -s post_bodies.lua URL -- BODIES_FILE MARKER THREADS
--
-- Thread i sends lines i, i+THREADS, i+2*THREADS, ... so no two threads send the same body (each
-- submission needs its own form token); after the last line a thread starts over and counts a
-- wrap (replayed tokens insert nothing, so bench_core.py reports wraps). A response counts as a
-- success when it is 2xx and its body contains MARKER. done() prints one "BENCH key=value ..."
-- line that bench_core.py parses.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  marker = args[2] or ""
  step = tonumber(args[3]) or 1
  index = tid + 1
  wraps = 0
  successes = 0
  statuses = {}
end

function request()
  local body = bodies[index]
  index = index + step
  if index > #bodies then
    index = tid + 1
    wraps = wraps + 1
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  local key = "status_" .. status
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 and (marker == "" or string.find(body, marker, 1, true)) then
    successes = successes + 1
  end
end

function done(summary, latency, requests)
  local totals = {successes = 0, wraps = 0}
  local codes = {}
  for _, thread in ipairs(threads) do
    totals.successes = totals.successes + thread:get("successes")
    totals.wraps = totals.wraps + thread:get("wraps")
    for key, count in pairs(thread:get("statuses")) do
      codes[key] = (codes[key] or 0) + count
    end
  end
  local errors = summary.errors
  local line = string.format(
    "BENCH requests=%d duration_us=%d successes=%d wraps=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d "
      .. "lat_mean_us=%.0f lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_max_us=%d",
    summary.requests, summary.duration, totals.successes, totals.wraps,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max)
  for key, count in pairs(codes) do
    line = line .. string.format(" %s=%d", key, count)
  end
  io.write(line .. "\n")
end
