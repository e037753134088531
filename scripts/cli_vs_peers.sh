#!/usr/bin/env bash
# Measures the CLI targets of issue 8 against GNU wc and ripgrep, same machine, same file.
set -u
STRS=${STRS:-target/release/strs}   # build first: cargo build --release -p strs; needs GNU wc and ripgrep (apt-get install ripgrep)
F=/tmp/cli_bench.log
if [ ! -f $F ]; then
  python3 - <<'PY'
import random
random.seed(1)
levels=["INFO","INFO","INFO","DEBUG","warning","error","critical","INFO"]
with open("/tmp/cli_bench.log","w") as f:
    n=0
    lines=[]
    while n < (1<<30):
        l=f"{1700000000+n} {random.choice(levels)} worker-{random.randrange(16)}, id={random.randrange(1<<40)}, path=/api/v1/items, status=200, latency={random.randrange(900)}ms\n"
        lines.append(l); n+=len(l)
        if len(lines)>=100000:
            f.write("".join(lines)); lines=[]
    f.write("".join(lines))
PY
fi
ls -l $F
cat $F > /dev/null
t() { local s=$(date +%s.%N); "$@" > /tmp/cli_out.txt; local e=$(date +%s.%N); python3 -c "import os;print(f'{($e-$s):.3f} s  {os.path.getsize(\"$F\")/($e-$s)/1e9:.2f} GB/s')"; }
for i in 1 2; do
echo "== GNU wc (words, lines, bytes)"; t wc $F; cat /tmp/cli_out.txt
echo "== strs wc --threads 2"; t $STRS --threads 2 wc $F; cat /tmp/cli_out.txt
echo "== strs wc --threads 1"; t $STRS --threads 1 wc $F; cat /tmp/cli_out.txt
echo "== rg -F -c -e error -e warning -e critical (-j2)"; t rg -F -c -j2 -e error -e warning -e critical $F; cat /tmp/cli_out.txt
echo "== strs find --count (2 threads)"; t $STRS --threads 2 find -p error -p warning -p critical --count $F; cat /tmp/cli_out.txt
done
echo "== strs wc - over a 2 GiB stdin stream: peak RSS"
/usr/bin/time -v bash -c "cat $F $F | $STRS wc -" 2>&1 | grep -E "Maximum resident|Elapsed" 
( cat $F $F | /usr/bin/time -f "strs wc - : maxrss %M KiB, %e s" $STRS wc - ) 2>&1 | tail -2
