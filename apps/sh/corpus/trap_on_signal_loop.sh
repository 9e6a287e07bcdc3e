count=0
trap 'count=$((count + 1))' USR1
kill -USR1 $$
kill -USR1 $$
kill -USR1 $$
echo "caught $count"
trap - USR1
