# run.gp -- the pictures of one `taosim run`, from its CSVs alone.
#
# Reads DIR/supply.csv and DIR/subnets.csv and writes four PNGs into DIR:
#   supply.png               TotalIssuance with minted and burned, block emission (halvings)
#   emission_share.png       each subnet's share of the emission over time
#   lock_burn.png            the subnet lock cost and each subnet's registration burn
#   stake_concentration.png  validators' stake Gini and top-10 share
#
#   gnuplot -e "dir='out/baseline'" analysis/run.gp
#
# Time is in years of 2 629 800 blocks (12 s); amounts in TAO (1e9 RAO). Per-subnet
# series are drawn as dots: rows of many subnets interleave in subnets.csv.

if (!exists("dir")) dir = 'out/baseline'
supply  = dir.'/supply.csv'
subnets = dir.'/subnets.csv'

set datafile separator ','
set datafile commentschars '#'
set datafile missing ''
set key autotitle columnhead

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1200,700 enhanced font 'Sans,11'
} else {
    set terminal png size 1200,700 font 'Sans,11'
}
year(b) = b / 2629800.0
tao(r) = r / 1e9
set grid
set xlabel 'years since block 0'

stats supply using 1 nooutput
xmax = year(STATS_max)
if (xmax <= 0) xmax = 1
set xrange [0:xmax]
stats subnets using 2 nooutput
maxnet = int(STATS_max)

# ---- supply -------------------------------------------------------------------------------
set output dir.'/supply.png'
set multiplot layout 2,1 title 'TAO supply: TotalIssuance = balances + stake + locks (subtensor v1.2.4 rules)'
set title 'issuance, with what the chain minted and what registrations burned (cumulative)'
set ylabel 'M TAO'
set yrange [0:*]
set key left top box opaque
plot supply using (year($1)):($3/1e15) with lines lw 2 lc rgb '#1f77b4' title 'issuance', \
     supply using (year($1)):($9/1e15) with lines lw 1.5 lc rgb '#2ca02c' title 'minted since block 0', \
     supply using (year($1)):($10/1e15) with lines lw 1.5 lc rgb '#d62728' title 'burned since block 0', \
     supply using (year($1)):($7/1e15) with lines lw 1 dt 2 lc rgb '#9467bd' title 'staked'
set title 'block emission (changes at the root epoch after each halving threshold)'
set ylabel 'TAO per block'
set yrange [0:1.1]
set key right top box opaque
plot supply using (year($1)):(tao($4)) with steps lw 2 lc rgb '#ff7f0e' title 'block emission'
unset multiplot

# ---- emission share per subnet ------------------------------------------------------------
set output dir.'/emission_share.png'
set title 'share of the emission per subnet (root epoch EmissionValues)'
set ylabel 'share'
set yrange [0:*]
set key outside right top
set style data lines
plot for [n=1:maxnet] subnets using (column(2) == n ? year($1) : NaN):(column(2) == n ? column(14) : NaN) \
     with points pt 7 ps 0.35 title sprintf('netuid %d', n)

# ---- lock cost and registration burn -----------------------------------------------------------
set output dir.'/lock_burn.png'
set multiplot layout 2,1 title 'prices: the subnet lock-cost auction and the neuron registration burn'
set title 'lock cost of the next subnet registration'
set ylabel 'TAO'
set yrange [0:*]
set key right top box opaque
plot supply using (year($1)):(tao($12)) with steps lw 2 lc rgb '#8c564b' title 'lock cost'
set title 'registration burn per subnet (log scale)'
set logscale y
set yrange [*:*]
set key outside right top
plot for [n=1:maxnet] subnets using (column(2) == n ? year($1) : NaN):(column(2) == n && column(6) > 0 ? tao(column(6)) : NaN) \
     with points pt 7 ps 0.3 title sprintf('netuid %d', n)
unset logscale y
unset multiplot

# ---- stake concentration ------------------------------------------------------------------------
set output dir.'/stake_concentration.png'
set title "validators' stake concentration (TotalHotkeyStake: own stake + nominations)"
set ylabel 'Gini / share'
set yrange [0:1.05]
set key inside right bottom box opaque
plot supply using (year($1)):14 with lines lw 2 lc rgb '#1f77b4' title 'Gini of validator stake', \
     supply using (year($1)):15 with lines lw 2 lc rgb '#ff7f0e' title 'top-10 validators share'
set output
