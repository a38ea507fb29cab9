#!/usr/bin/env bash
# Indexes a real tree of this machine BM25-only and summarises what happened to its files.
#   scripts/bench/real_tree.sh [--bin PATH] [TREE...]     (default: /usr/share/doc /usr/share/common-licenses)
# Prints files seen/added/skipped/failed, the skipped files by reason, documents, chunks, seconds and peak RSS
# (/usr/bin/time -v). --bin runs another askdocs (for example a build of main) for a before/after comparison;
# without it a release build is made. There is no reference tool; the numbers are askdocs's own.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=""
trees=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) trees+=("$1"); shift ;;
  esac
done
[ ${#trees[@]} -gt 0 ] || trees=(/usr/share/doc /usr/share/common-licenses)
[ -x /usr/bin/time ] || { echo "real_tree.sh: needs /usr/bin/time (apt install time)" >&2; exit 1; }
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >/dev/null
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/time -v -o "$work/time" "$bin" index "${trees[@]}" --no-embed --db "$work/x.sqlite" --json >"$work/report.json"
python3 - "$work/report.json" "$work/time" <<'PY'
import collections, json, re, sys
report = json.load(open(sys.argv[1]))
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read())
def reason(text):
    # Group reasons that name another path.
    return re.sub(r" (as|of|to) /.*$", r" \1 …", re.sub(r"same file as .*", "same file as …", text))
skipped = collections.Counter(reason(item["reason"]) for item in report["skipped"])
failed = collections.Counter(reason(item["reason"]) for item in report["documents_failed"])
print(f"files seen {report.get('files_seen')}, added {report.get('files_added', '-')}, "
      f"skipped {report.get('files_skipped', len(report['skipped']))}, failed {report.get('files_failed', '-')}")
print(f"documents added {report['documents_added']}, chunks {report['chunks_added']}, "
      f"{report['seconds']:.1f} s, peak RSS {int(rss.group(1)) // 1024 if rss else '?'} MB")
for name, counter in (("skipped", skipped), ("failed", failed)):
    for text, count in counter.most_common():
        print(f"  {name} {count}: {text}")
PY
