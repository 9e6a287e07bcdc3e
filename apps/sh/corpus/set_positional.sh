set -- a b c
echo "$# $*"
set -- "$@" d
echo "$#"
set -- 
echo "none: $#"
set x y
echo "$1$2"
