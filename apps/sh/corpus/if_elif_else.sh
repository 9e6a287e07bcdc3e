x=3
if [ $x -eq 1 ]; then echo one; elif [ $x -eq 3 ]; then echo three; else echo other; fi
if false; then echo no; fi
echo "if with no branch taken: $?"
if true; then :; else echo no; fi
if ! false; then echo negated; fi
