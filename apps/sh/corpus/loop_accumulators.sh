words=""
for w in the quick brown fox; do words="$words${words:+-}$w"; done
echo "$words"
i=10
while [ $i -gt 0 ]; do i=$((i - 3)); done
echo "i ended at $i"
n=0
until [ $n -ge 5 ]; do n=$((n + 2)); done
echo "n=$n"
