user=guest
items=3
cat <<END
Dear $user,
you have $items items, $((items * 2)) after doubling.
The date is not shown: \$HOME stays.
END
