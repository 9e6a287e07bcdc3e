line="  leading and   trailing  "
set -- $line
echo "$# fields: $1|$2|$3"
words="one
two	three"
for w in $words; do echo "<$w>"; done
