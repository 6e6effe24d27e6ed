#!/bin/sh
# npm run demo: the main job on a throwaway local cluster of real sshd hosts.
# Starts 4 hosts on loopback, checks them, spreads a folder of data files over them
# (md5-verified), runs a script on every host over its share, and stops the hosts again.
set -e
cd "$(dirname "$0")/.."
D="node dist/bin/director.cjs"
SANDBOX=.director/sandbox
export DIRECTOR_CLIENTS=$SANDBOX/clients.conf DIRECTOR_IDENTITY=$SANDBOX/id_ed25519 DIRECTOR_KNOWN_HOSTS=$SANDBOX/known_hosts

step() { printf '\n\033[1m$ director %s\033[0m\n' "$*"; }

$D sandbox down >/dev/null 2>&1 || true
step sandbox up -n 4
$D sandbox up -n 4
trap '$D sandbox down' EXIT

step status
$D status
step status --ssh
$D status --ssh
step mkdir '~/director' demo
$D mkdir '~/director' demo

# A folder of data files named the distsys way: tweets_<n>.txt goes to client (n-1) mod 4.
data=.director/demo-data
rm -rf "$data" .director/demo
mkdir -p "$data"
i=1
while [ $i -le 12 ]; do
  printf 'tweet %s from the demo\nanother line\n' "$i" > "$data/tweets_$i.txt"
  i=$((i + 1))
done
step data "$data" demo
$D data "$data" demo

if $D --help | grep -q '^  run '; then
  cat > .director/demo-count.sh <<'SCRIPT'
#!/bin/sh
# Runs on every client, in its share of the project: count lines of the files it holds.
echo "host $DIRECTOR_HOST_INDEX of $DIRECTOR_HOST_COUNT holds $(wc -l < "$DIRECTOR_FILES") files"
cat $(cat "$DIRECTOR_FILES") | wc -l > "$DIRECTOR_OUTPUT_DIR/lines"
SCRIPT
  step run .director/demo-count.sh demo
  $D run .director/demo-count.sh demo
fi

latest=$(ls -d output/demo/*/ 2>/dev/null | tail -n 1)
if [ -n "$latest" ]; then
  printf '\n\033[1mGathered on the director, in %s:\033[0m\n' "$latest"
  for f in "$latest"*/files/lines; do
    [ -f "$f" ] && printf '  %s: %s lines\n' "$(basename "$(dirname "$(dirname "$f")")")" "$(cat "$f")"
  done
fi
