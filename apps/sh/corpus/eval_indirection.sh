for i in 1 2 3; do eval "var_$i=value$i"; done
for i in 1 2 3; do eval "echo \$var_$i"; done
name=var_2
eval "echo indirect: \$$name"
