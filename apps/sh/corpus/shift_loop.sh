set -- a b c d e
while [ $# -gt 0 ]; do
    echo "arg $1 ($# left)"
    shift
done
set -- x y
shift 2
echo "now $#"
