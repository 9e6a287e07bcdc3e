a=1 b=2
echo $a$b ${a}x
c=$a$b; echo $c
unset a
echo "[$a]"
X=inline sh -c 'echo child sees $X'
echo "shell has [$X]"
export Y=exported
sh -c 'echo child sees $Y'
