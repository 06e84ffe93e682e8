-- wrk script of bench_core.py and bench_scale.py: POST form bodies read from a file, one per line.
--
--   wrk -t2 -c8 -d12s -s post_bodies.lua URL -- BODIES_FILE MARKER THREADS [TIMINGS_FILE]
--
-- Thread i sends lines i, i+THREADS, i+2*THREADS, ... so no two threads send the same body (each
-- submission needs its own form token); after the last line a thread starts over and counts a
-- wrap (replayed tokens insert nothing, so bench_core.py reports wraps). A response counts as a
-- success when it is 2xx and its body contains MARKER. done() prints one "BENCH key=value ..."
-- line that the benchmarks parse.
--
-- With TIMINGS_FILE (and one connection per thread, wrk -tN -cN), every request's own time from
-- request() to response(), in microseconds of CLOCK_MONOTONIC (LuaJIT's ffi), is written there,
-- one a line. wrk's own percentiles include its coordinated-omission correction (made-up
-- samples for every response slower than the mean), which is not what a low-load p99 is about.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } frontdesk_timespec;
int clock_gettime(int clock_id, frontdesk_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("frontdesk_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

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
  timings_path = args[4]
  timed = timings_path ~= nil
  index = tid + 1
  wraps = 0
  successes = 0
  statuses = {}
  latencies = {}
  started = nil
  unanswered = 0
end

function request()
  local body = bodies[index]
  index = index + step
  if index > #bodies then
    index = tid + 1
    wraps = wraps + 1
  end
  if timed then
    -- A request still unanswered was lost to a socket error (wrk reconnects and sends the next).
    if started then unanswered = unanswered + 1 end
    started = now_us()
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  if timed and started then
    latencies[#latencies + 1] = now_us() - started
    started = nil
  end
  local key = "status_" .. status
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 and (marker == "" or string.find(body, marker, 1, true)) then
    successes = successes + 1
  end
end

function done(summary, latency, requests)
  local totals = {successes = 0, wraps = 0, unanswered = 0, timed = 0}
  local codes = {}
  for _, thread in ipairs(threads) do
    totals.successes = totals.successes + thread:get("successes")
    totals.wraps = totals.wraps + thread:get("wraps")
    totals.unanswered = totals.unanswered + thread:get("unanswered")
    for key, count in pairs(thread:get("statuses")) do
      codes[key] = (codes[key] or 0) + count
    end
    if thread:get("timed") then
      local path = thread:get("timings_path")
      local file = assert(io.open(path, "a"))
      for _, value in ipairs(thread:get("latencies")) do
        file:write(string.format("%.0f\n", value))
        totals.timed = totals.timed + 1
      end
      file:close()
    end
  end
  local errors = summary.errors
  local line = string.format(
    "BENCH requests=%d duration_us=%d successes=%d wraps=%d unanswered=%d timed=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d "
      .. "lat_mean_us=%.0f lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_max_us=%d",
    summary.requests, summary.duration, totals.successes, totals.wraps, totals.unanswered,
    totals.timed, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max)
  for key, count in pairs(codes) do
    line = line .. string.format(" %s=%d", key, count)
  end
  io.write(line .. "\n")
end
