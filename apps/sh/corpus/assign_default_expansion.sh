unset a
echo "${a:=first}"
echo "a is now $a"
b=
: ${b:=filled}
echo "b=$b"
c=kept
echo "${c:=ignored} ${c}"
unset d
echo "[${d=}]" "set: ${d+yes}"
for x in ${e:=1 2}; do echo "x=$x"; done
echo "e=$e"
set -x
echo traced 2>/dev/null
set +x
echo untraced
