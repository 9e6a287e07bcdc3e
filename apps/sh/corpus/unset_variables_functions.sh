a=1
f() { echo "f runs"; }
f
unset a
echo "a=[${a-unset}]"
b=
echo "b=[${b-unset}] b=[${b:-empty}]"
