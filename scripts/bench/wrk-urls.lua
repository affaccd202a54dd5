-- wrk script: cycles through a list of request targets (one "path?query" a line), optionally
-- sending the same body with each request, and prints one JSON summary line at the end.
--
--   wrk ... -s wrk-urls.lua URL -- METHOD TARGETS_FILE [BODY_FILE] [THREADS] [NAME VALUE]...
--
-- NAME VALUE pairs are headers sent with every request.
--
-- Each thread starts at its own offset in the list, so concurrent threads write different keys.
-- Requests with small bodies are built once in init(); large ones are built per request so a
-- thread holds one copy of the body, not one per target.

local threadCount = 0

function setup(thread)
  thread:set("threadIndex", threadCount)
  threadCount = threadCount + 1
end

local method, targets, body, headers, prebuilt, position

function init(args)
  method = args[1]
  targets = {}
  for line in io.lines(args[2]) do
    if line ~= "" then targets[#targets + 1] = line end
  end
  if args[3] and args[3] ~= "" then
    local file = assert(io.open(args[3], "rb"))
    body = file:read("*a")
    file:close()
  end
  headers = {}
  local i = 5
  while args[i] and args[i + 1] do
    headers[args[i]] = args[i + 1]
    i = i + 2
  end
  local threads = tonumber(args[4] or "1")
  position = math.floor((threadIndex or 0) * #targets / threads) % #targets + 1
  if body == nil or #body <= 1048576 then
    prebuilt = {}
    for i, target in ipairs(targets) do prebuilt[i] = wrk.format(method, target, headers, body) end
  end
end

function request()
  local i = position
  position = position % #targets + 1
  if prebuilt then return prebuilt[i] end
  return wrk.format(method, targets[i], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"bytes":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latencyUs":{"mean":%.1f,"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
