# weight-copying.gp -- what copying earns, from DIR/points.csv of
# scenarios/weight-copying.ini (means over seeds).
#
# y = the copiers' return per staked TAO / the honest validators' (1 = copying
# pays as well as validating), x = how stale the copy is (lag), one line per
# commit-reveal concealment interval; left without, right with liquid alpha.
#
#   gnuplot -e "dir='out/weight-copying'" analysis/weight-copying.gp

if (!exists("dir")) dir = 'out/weight-copying'
points = dir.'/points.csv'
set datafile separator ','
set datafile commentschars '#'
set datafile columnheaders
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1300,520 enhanced font 'Sans,11'
} else {
    set terminal png size 1300,520 font 'Sans,11'
}
set output dir.'/copying.png'
set multiplot layout 1,2 title 'weight copying: copier return / honest validator return (mean over seeds)' font ',13'
set xlabel 'lag of the copy (blocks)'
set ylabel 'copier return / honest return'
set grid
set key left bottom box opaque title 'conceal (blocks)'
set yrange [0:*]
rel(la, c) = (strcol('subnet.s.liquid_alpha_enabled') eq la && column('copier.cp.conceal') == c) ? \
             column('cp.return_per_year.mean') / column('honest.return_per_year.mean') : NaN
# the scenario sweeps lag last, so each (liquid alpha, conceal) series is a run of
# consecutive rows: the filtered-out rows fall before and after it, not inside
do for [la in "false true"] {
    set title sprintf('liquid alpha %s', la eq 'true' ? 'on' : 'off')
    plot for [c in "0 100 360 720"] points using 'copier.cp.lag':(rel(la, int(c))) with linespoints \
         lw 2 pt 7 title c, \
         1 with lines dt 2 lc rgb '#555555' notitle
}
unset multiplot
set output
