-- wrk script for many distinct people: each request takes the next line of a file of
-- "path<TAB>Cookie header" (one signed-in browser per line), each thread starting at its own
-- offset, so hundreds of leaders each open their own page with their own session.
-- Every answer other than 200 is an error here: a redirect to the sign-in page is not a page.
--   wrk -t2 -c8 -d6s -s bench/wrk_mixed.lua http://127.0.0.1:PORT -- requests.tsv
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t(.*)$")
    if path then table.insert(lines, {path, cookie}) end
  end
  n = #lines
  i = math.floor((id - 1) * n / 2)
  bad = 0
  seen = {}
  distinct = 0
end

function request()
  i = i % n + 1
  if not seen[i] then seen[i] = true; distinct = distinct + 1 end
  local line = lines[i]
  return wrk.format("GET", line[1], {["Cookie"] = line[2]})
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not200, people = 0, 0
  for _, thread in ipairs(threads) do
    not200 = not200 + thread:get("bad")
    people = people + thread:get("distinct")
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests": %d, "rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "errors": %d, "socket_errors": %d, "not_200": %d, "distinct_lines": %d}\n',
    summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    not200, people))
end
