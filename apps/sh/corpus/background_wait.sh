(sleep 0; echo "background done" > /tmp/bw.out) &
pid=$!
wait $pid
echo "waited: $?"
cat /tmp/bw.out
rm /tmp/bw.out
true & false &
wait
echo "all waited"
