for w in alpha beta gamma; do echo "$w"; done
for n in 1 2 3; do for m in a b; do echo "$n$m"; done; done
set -- x y z
for arg; do echo "positional $arg"; done
for none in; do echo no; done
echo done
