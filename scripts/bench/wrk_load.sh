# shellcheck shell=bash
# Sourced by the benchmarks that load a server with wrk (serve.sh, scaleout.sh): one request script and one
# measurement, so that every benchmark warms up, loads and reads wrk's report the same way.
#
#   wrk_script FILE [PATH]       writes a wrk Lua script that POSTs the JSON lines of $ASKDOCS_BENCH_BODIES in turn
#                                (each wrk thread rotating through them) to PATH, or to the URL's own path
#   wrk_measure NAME URL SCRIPT CONNECTIONS SECONDS REPORT
#                                a 3 s warm-up, then SECONDS of load with CONNECTIONS connections on 2 threads; wrk's
#                                report goes to REPORT, and one line to stdout:
#                                "NAME requests/s p50_ms p99_ms errors" (errors: non-2xx answers and socket errors,
#                                which also go to stderr)

wrk_script() {
  local file="$1" path="${2:-}"
  local target=nil
  [ -n "$path" ] && target="\"$path\""
  cat > "$file" <<LUA
local bodies = {}
for line in io.lines(os.getenv("ASKDOCS_BENCH_BODIES")) do bodies[#bodies + 1] = line end
local next = 0
request = function()
  next = next % #bodies + 1
  return wrk.format("POST", $target, { ["Content-Type"] = "application/json" }, bodies[next])
end
LUA
}

wrk_measure() {
  local name="$1" url="$2" script="$3" connections="$4" seconds="$5" report="$6"
  wrk -t2 -c"$connections" -d3s --timeout 60s -s "$script" "$url" > /dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 60s --latency -s "$script" "$url" > "$report"
  grep -E "Non-2xx|Socket errors" "$report" | sed "s/^/$name: /" >&2 || true
  python3 - "$report" "$name" <<'PY'
import re, sys
text, name = open(sys.argv[1]).read(), sys.argv[2]
def ms(label):
    value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
socket = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
print(name, rate, ms("50%"), ms("99%"), non2xx + socket)
PY
}
