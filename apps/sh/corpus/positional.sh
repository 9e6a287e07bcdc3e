set -- one two three
echo $# $1 $2 $3
shift
echo $# $1
shift 2
echo $#
set -- "a b" c
for a in "$@"; do echo "[$a]"; done
