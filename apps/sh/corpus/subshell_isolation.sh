v=1
( v=2; f() { echo sub-f; }; f; echo "inside $v" )
echo "outside $v"
type f >/dev/null 2>&1 || echo "no f outside"
( cd /tmp && pwd )
pwd
r=$( (exit 3); echo $? )
echo "inner status $r"
