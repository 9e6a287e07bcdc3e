! false && echo "not false"
! true || echo "not true fails"
if ! [ 1 -eq 2 ]; then echo "one is not two"; fi
false | true; echo "pipeline status $?"
true | false; echo "pipeline status $?"
! true | false; echo "negated pipeline $?"
