set -- one "two words" three
echo "count $#"
echo "star: $*"
for a in "$*"; do echo "[$a]"; done
for a in $*; do echo "<$a>"; done
sleep 0 &
[ -n "$!" ] && echo "background pid set"
wait
[ "$$" -gt 0 ] && echo "shell pid positive"
false; echo "status after false: $?"
echo "zeroth is set: ${0:+yes}"
