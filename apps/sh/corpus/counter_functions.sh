counter=0
increment() { counter=$((counter + ${1:-1})); }
increment
increment 5
increment
echo "counter=$counter"
reset() { counter=0; }
reset
echo "after reset=$counter"
