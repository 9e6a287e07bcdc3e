for v in "" abc 0 42; do
    if [ -z "$v" ]; then echo "empty"; continue; fi
    if [ "$v" = abc ]; then echo "abc"; fi
    case $v in [0-9]*) [ "$v" -gt 10 ] && echo "$v big" || echo "$v small";; esac
done
[ "a" \< "b" ] 2>/dev/null && echo "less" || echo "no string <"
[ 5 -le 5 -a 6 -ge 6 ] 2>/dev/null; echo "combined: $?"
