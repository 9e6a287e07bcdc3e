i=0
while [ $i -lt 3 ]; do echo "while $i"; i=$((i + 1)); done
until [ $i -eq 0 ]; do i=$((i - 1)); echo "until $i"; done
while false; do echo no; done
echo "loop that never ran: $?"
