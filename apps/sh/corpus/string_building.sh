sep=""
out=""
for part in usr local bin; do out="$out$sep$part"; sep=/; done
echo "/$out"
csv=""
for n in 1 2 3; do csv="${csv:+$csv,}$n"; done
echo "$csv"
repeat() { s=""; i=0; while [ $i -lt $2 ]; do s="$s$1"; i=$((i + 1)); done; echo "$s"; }
repeat ab 3
repeat - 10
