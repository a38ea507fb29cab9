#!/usr/bin/env bash
# Language detection accuracy: CLD2 against the function-word detector it replaced, on every XQuAD paragraph of the
# 11 shared languages and on 300 documents of /usr/share/doc (English almost throughout). Prints the README's table.
#   scripts/bench/language.sh [--docs FOLDER] [--sample N]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product LanguageBench >&2
"$(swift build -c release --show-bin-path)/LanguageBench" --xquad ../shared/data/xquad "$@"
