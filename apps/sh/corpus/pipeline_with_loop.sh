printf '3\n1\n2\n' | while read n; do echo "got $n"; done
echo "a b c" | { read x y z; echo "$z $y $x"; }
for i in 1 2 3 4 5; do echo $i; done | grep -v 3 | wc -l
