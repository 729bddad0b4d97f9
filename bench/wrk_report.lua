-- wrk reporter: prints one JSON line with requests/s, p50, p95, p99 (ms) and errors.
-- Non-2xx answers count as errors: a page that redirects to login is not "fast".
-- errors.status counts answers >= 400; bench/run.py checks every page answers 200 first.
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests": %d, "rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
