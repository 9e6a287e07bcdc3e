{ false; true; }; echo "group: $?"
(true; false); echo "subshell: $?"
{ echo in-group; } > /tmp/sg.out; cat /tmp/sg.out; rm /tmp/sg.out
(exit 5) && echo no || echo "or got $?"
