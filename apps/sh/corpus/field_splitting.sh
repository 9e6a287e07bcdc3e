list="a b   c"
for i in $list; do echo "[$i]"; done
for i in "$list"; do echo "[$i]"; done
empty=""
set -- $empty
echo "fields from empty: $#"
set -- "$empty"
echo "quoted empty: $#"
