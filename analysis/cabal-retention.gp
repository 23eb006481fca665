# cabal-retention.gp -- the retention map of scenarios/cabal-retention.ini,
# from DIR/points.csv alone (the mean over each point's seeds).
#
# One panel per kappa: x = the cabal validators' stake share, y = the share of
# their weight on their own miners, colour = retention (the cabal's share of
# the emission / its share of the stake; 1 = it keeps exactly its stake's
# worth, < 1 the consensus clips it). The dashed line is kappa itself.
#
#   gnuplot -e "dir='out/cabal-retention'" analysis/cabal-retention.gp

if (!exists("dir")) dir = 'out/cabal-retention'
points = dir.'/points.csv'
set datafile separator ','
set datafile commentschars '#'
set datafile columnheaders
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1500,520 enhanced font 'Sans,11'
} else {
    set terminal png size 1500,520 font 'Sans,11'
}
set output dir.'/retention.png'
# how many points each kappa has (before any range is set: stats honours them); a partial
# study (-r) may lack one, and gnuplot 5.4 crashes on boxes whose every point is filtered out
kappas = "16384 32767 49151"
array npoints[3]
do for [i = 1:3] {
    stats points using (column('subnet.s.kappa') == int(word(kappas, i)) ? 1 : 0) nooutput
    npoints[i] = STATS_sum
}
set multiplot layout 1,3 title 'cabal retention after 100 epochs with EMA bonds (mean over seeds): emission share / stake share' font ',13'
set palette defined (0 '#2166ac', 0.5 '#92c5de', 1 '#f7f7f7', 1.5 '#f4a582', 2 '#b2182b')
set cbrange [0:2]
set cblabel 'retention'
set xrange [0.05:0.95]
set yrange [0.125:1.125]
set xlabel 'cabal stake share'
set ylabel 'weight on its own miners (self weight)'
set xtics 0.1
set ytics (0.25, 0.5, 0.75, 1)
unset key
ret(k) = column('subnet.s.kappa') == k ? column('c.retention.mean') : NaN
xof(k) = column('subnet.s.kappa') == k ? column('cabal.c.stake_share') : NaN  # other kappas: no box at all
do for [i = 1:3] {
    kk = int(word(kappas, i))
    set title sprintf('kappa = %d/65535 (%.2f)', kk, kk / 65535.0)
    set arrow 1 from kk / 65535.0, graph 0 to kk / 65535.0, graph 1 nohead dt 2 lw 2 lc rgb '#333333' front
    if (npoints[i] > 0) {
        plot points using (xof(kk)):'cabal.c.self_weight':(0.05):(0.125):(ret(kk)) \
                 with boxxyerror fill solid 1.0 noborder lc palette, \
             points using (xof(kk)):'cabal.c.self_weight':(sprintf('%.2f', ret(kk))) \
                 with labels font ',8'
    } else {
        set label 1 'no runs at this kappa' at graph 0.5, graph 0.5 center
        plot -10 with lines notitle
        unset label 1
    }
}
unset multiplot
set output
