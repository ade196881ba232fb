;; The compiled passive-network forward pass (src/circuits/network-fast.ts) in WebAssembly, two
;; columns per f64x2 lane pair, eight (then four, then two) columns' numerators held in registers
;; across a layer's rows, two neurons' VTC lookups at a time.
;; Same operations in the same order as the JavaScript reference `forwardCompiledReference`, so
;; the results are bit-identical (unit tests check it).
;;
;; Rebuild compiled-network.wasm with `npm run build:kernels` after editing. A memory holds one or
;; more networks, each at its own base address (byte offsets from the base; every address stored
;; is absolute), written by src/circuits/network-fast.ts:
;;   0 layer count (i32)      8 V_DD (f64)      16 VTC grid start (f64)   24 1 / grid step (f64)
;;  32 last grid index − 1e-4 (f64)            40 grid points (i32)      44 input pairs (i32)
;;  48 outputs (i32)         56, 60, 64, 68 scratch rows A⁺, A⁻, B⁺, B⁻ (i32 addresses)
;; 128 + 32·l  layer l: signal rows, columns (even), wU, wL, offset, inverter flag, VTC values,
;;             VTC steps (i32 each; arrays are f64, [signal × columns] and [columns × points])
(module
  (memory (export "memory") 1)

  ;; One sample through the network at $net, its input rows at $a (upper) and $b (lower); returns
  ;; the address of the last layer's upper lines (the outputs).
  (func $run (param $net i32) (param $a i32) (param $b i32) (result i32)
    (local $l i32) (local $layers i32) (local $desc i32) (local $na i32) (local $nb i32)
    (local $signal i32) (local $colBytes i32) (local $wU i32) (local $wL i32) (local $vals i32) (local $steps i32)
    (local $offset i32) (local $k i32) (local $j i32) (local $ptr i32) (local $i i32) (local $points i32)
    (local $u v128) (local $w v128) (local $vdd v128) (local $acc0 v128) (local $acc1 v128)
    (local $gridStart2 v128) (local $gridInv2 v128) (local $top2 v128) (local $acc2 v128) (local $acc3 v128) (local $wUk i32) (local $wLk i32)
    (local $top f64) (local $gridStart f64) (local $gridInv f64)
    (local.set $layers (i32.load (local.get $net)))
    (local.set $vdd (f64x2.splat (f64.load offset=8 (local.get $net))))
    (local.set $gridStart (f64.load offset=16 (local.get $net)))
    (local.set $gridInv (f64.load offset=24 (local.get $net)))
    (local.set $top (f64.load offset=32 (local.get $net)))
    (local.set $gridStart2 (f64x2.splat (local.get $gridStart)))
    (local.set $gridInv2 (f64x2.splat (local.get $gridInv)))
    (local.set $top2 (f64x2.splat (local.get $top)))
    (local.set $points (i32.load offset=40 (local.get $net)))
    (local.set $l (i32.const 0))
    (block $layersDone (loop $layer
      (br_if $layersDone (i32.ge_u (local.get $l) (local.get $layers)))
      (local.set $desc (i32.add (i32.add (local.get $net) (i32.const 128)) (i32.shl (local.get $l) (i32.const 5))))
      (local.set $signal (i32.load (local.get $desc)))
      (local.set $colBytes (i32.shl (i32.load offset=4 (local.get $desc)) (i32.const 3)))
      (local.set $wU (i32.load offset=8 (local.get $desc)))
      (local.set $wL (i32.load offset=12 (local.get $desc)))
      (local.set $offset (i32.load offset=16 (local.get $desc)))
      (local.set $vals (i32.load offset=24 (local.get $desc)))
      (local.set $steps (i32.load offset=28 (local.get $desc)))
      ;; Even layers write scratch A, odd layers scratch B.
      (if (i32.and (local.get $l) (i32.const 1))
        (then (local.set $na (i32.load offset=64 (local.get $net))) (local.set $nb (i32.load offset=68 (local.get $net))))
        (else (local.set $na (i32.load offset=56 (local.get $net))) (local.set $nb (i32.load offset=60 (local.get $net)))))
      ;; na[j] = offset[j], then na[j] += wU[k][j]·a[k] + wL[k][j]·b[k] for k ascending: eight
      ;; columns at a time in four registers, then four in two, then a last pair.
      (local.set $j (i32.const 0))
      (block $octetsDone (loop $octets
        (br_if $octetsDone (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $colBytes)))
        (local.set $acc0 (v128.load (i32.add (local.get $offset) (local.get $j))))
        (local.set $acc1 (v128.load offset=16 (i32.add (local.get $offset) (local.get $j))))
        (local.set $acc2 (v128.load offset=32 (i32.add (local.get $offset) (local.get $j))))
        (local.set $acc3 (v128.load offset=48 (i32.add (local.get $offset) (local.get $j))))
        (local.set $ptr (local.get $j))
        (local.set $k (i32.const 0))
        (block $octetRowsDone (loop $octetRow
          (br_if $octetRowsDone (i32.ge_u (local.get $k) (local.get $signal)))
          (local.set $u (f64x2.splat (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $w (f64x2.splat (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $wUk (i32.add (local.get $wU) (local.get $ptr)))
          (local.set $wLk (i32.add (local.get $wL) (local.get $ptr)))
          (local.set $acc0 (f64x2.add (local.get $acc0)
            (f64x2.add (f64x2.mul (v128.load (local.get $wUk)) (local.get $u)) (f64x2.mul (v128.load (local.get $wLk)) (local.get $w)))))
          (local.set $acc1 (f64x2.add (local.get $acc1)
            (f64x2.add (f64x2.mul (v128.load offset=16 (local.get $wUk)) (local.get $u)) (f64x2.mul (v128.load offset=16 (local.get $wLk)) (local.get $w)))))
          (local.set $acc2 (f64x2.add (local.get $acc2)
            (f64x2.add (f64x2.mul (v128.load offset=32 (local.get $wUk)) (local.get $u)) (f64x2.mul (v128.load offset=32 (local.get $wLk)) (local.get $w)))))
          (local.set $acc3 (f64x2.add (local.get $acc3)
            (f64x2.add (f64x2.mul (v128.load offset=48 (local.get $wUk)) (local.get $u)) (f64x2.mul (v128.load offset=48 (local.get $wLk)) (local.get $w)))))
          (local.set $ptr (i32.add (local.get $ptr) (local.get $colBytes)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $octetRow)))
        (v128.store (i32.add (local.get $na) (local.get $j)) (local.get $acc0))
        (v128.store offset=16 (i32.add (local.get $na) (local.get $j)) (local.get $acc1))
        (v128.store offset=32 (i32.add (local.get $na) (local.get $j)) (local.get $acc2))
        (v128.store offset=48 (i32.add (local.get $na) (local.get $j)) (local.get $acc3))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $octets)))
      (block $quadsDone (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $colBytes)))
        (local.set $acc0 (v128.load (i32.add (local.get $offset) (local.get $j))))
        (local.set $acc1 (v128.load offset=16 (i32.add (local.get $offset) (local.get $j))))
        (local.set $ptr (local.get $j))
        (local.set $k (i32.const 0))
        (block $rowsDone (loop $row
          (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $signal)))
          (local.set $u (f64x2.splat (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $w (f64x2.splat (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $acc0
            (f64x2.add (local.get $acc0)
              (f64x2.add
                (f64x2.mul (v128.load (i32.add (local.get $wU) (local.get $ptr))) (local.get $u))
                (f64x2.mul (v128.load (i32.add (local.get $wL) (local.get $ptr))) (local.get $w)))))
          (local.set $acc1
            (f64x2.add (local.get $acc1)
              (f64x2.add
                (f64x2.mul (v128.load offset=16 (i32.add (local.get $wU) (local.get $ptr))) (local.get $u))
                (f64x2.mul (v128.load offset=16 (i32.add (local.get $wL) (local.get $ptr))) (local.get $w)))))
          (local.set $ptr (i32.add (local.get $ptr) (local.get $colBytes)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $row)))
        (v128.store (i32.add (local.get $na) (local.get $j)) (local.get $acc0))
        (v128.store offset=16 (i32.add (local.get $na) (local.get $j)) (local.get $acc1))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $quads)))
      (if (i32.lt_u (local.get $j) (local.get $colBytes)) (then
        (local.set $acc0 (v128.load (i32.add (local.get $offset) (local.get $j))))
        (local.set $ptr (local.get $j))
        (local.set $k (i32.const 0))
        (block $pairRowsDone (loop $pairRow
          (br_if $pairRowsDone (i32.ge_u (local.get $k) (local.get $signal)))
          (local.set $acc0
            (f64x2.add (local.get $acc0)
              (f64x2.add
                (f64x2.mul
                  (v128.load (i32.add (local.get $wU) (local.get $ptr)))
                  (f64x2.splat (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3))))))
                (f64x2.mul
                  (v128.load (i32.add (local.get $wL) (local.get $ptr)))
                  (f64x2.splat (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3)))))))))
          (local.set $ptr (i32.add (local.get $ptr) (local.get $colBytes)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $pairRow)))
        (v128.store (i32.add (local.get $na) (local.get $j)) (local.get $acc0))))
      ;; Inverter layers: each neuron's VTC, linear interpolation on the grid, two neurons at a
      ;; time. pmax(x, 0) is (x < 0 ? 0 : x) and pmin(x, top) is (x > top ? top : x), as in the
      ;; JavaScript (NaN and −0 pass through); the truncation is JavaScript's `x | 0` (NaN → 0).
      (if (i32.load offset=20 (local.get $desc)) (then
        (local.set $j (i32.const 0))
        (block $vtcDone (loop $vtc
          (br_if $vtcDone (i32.ge_u (local.get $j) (local.get $colBytes)))
          (local.set $u
            (f64x2.pmin
              (f64x2.pmax
                (f64x2.mul (f64x2.sub (v128.load (i32.add (local.get $na) (local.get $j))) (local.get $gridStart2)) (local.get $gridInv2))
                (v128.const f64x2 0 0))
              (local.get $top2)))
          (local.set $w (i32x4.trunc_sat_f64x2_s_zero (local.get $u)))
          ;; Table offsets of the two neurons (column c = j / 8 and c + 1).
          (local.set $ptr (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $points)) (i32x4.extract_lane 0 (local.get $w))) (i32.const 3)))
          (local.set $i (i32.shl (i32.add (i32.mul (i32.add (i32.shr_u (local.get $j) (i32.const 3)) (i32.const 1)) (local.get $points)) (i32x4.extract_lane 1 (local.get $w))) (i32.const 3)))
          (local.set $acc0
            (f64x2.add
              (v128.load64_lane 1 (i32.add (local.get $vals) (local.get $i)) (v128.load64_zero (i32.add (local.get $vals) (local.get $ptr))))
              (f64x2.mul
                (f64x2.sub (local.get $u) (f64x2.convert_low_i32x4_s (local.get $w)))
                (v128.load64_lane 1 (i32.add (local.get $steps) (local.get $i)) (v128.load64_zero (i32.add (local.get $steps) (local.get $ptr)))))))
          (v128.store (i32.add (local.get $na) (local.get $j)) (local.get $acc0))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $vtc)))))
      ;; The complementary line of each pair: V_DD − v.
      (local.set $j (i32.const 0))
      (block $complDone (loop $compl
        (br_if $complDone (i32.ge_u (local.get $j) (local.get $colBytes)))
        (v128.store (i32.add (local.get $nb) (local.get $j)) (f64x2.sub (local.get $vdd) (v128.load (i32.add (local.get $na) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $compl)))
      (local.set $a (local.get $na))
      (local.set $b (local.get $nb))
      (local.set $l (i32.add (local.get $l) (i32.const 1)))
      (br $layer)))
    (local.get $a))

  ;; A batch through the network at $net: inputs [batch × input pairs] at $upper / $lower,
  ;; outputs [batch × outputs] to $out.
  (func (export "forward") (param $net i32) (param $upper i32) (param $lower i32) (param $out i32) (param $batch i32)
    (local $s i32) (local $j i32) (local $res i32) (local $ptr i32) (local $inBytes i32) (local $outBytes i32)
    (local.set $inBytes (i32.shl (i32.load offset=44 (local.get $net)) (i32.const 3)))
    (local.set $outBytes (i32.shl (i32.load offset=48 (local.get $net)) (i32.const 3)))
    (local.set $s (i32.const 0))
    (block $samplesDone (loop $samples
      (br_if $samplesDone (i32.ge_u (local.get $s) (local.get $batch)))
      (local.set $res (call $run (local.get $net)
        (i32.add (local.get $upper) (i32.mul (local.get $s) (local.get $inBytes)))
        (i32.add (local.get $lower) (i32.mul (local.get $s) (local.get $inBytes)))))
      (local.set $ptr (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outBytes))))
      (local.set $j (i32.const 0))
      (block $outDone (loop $copyOut
        (br_if $outDone (i32.ge_u (local.get $j) (local.get $outBytes)))
        (f64.store (i32.add (local.get $ptr) (local.get $j)) (f64.load (i32.add (local.get $res) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $copyOut)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $samples))))

  ;; One cycle of a recurrent pool (the NNS+A recursion): sample m (column m mod $columns) is
  ;; evaluated by network (m mod $columns) mod $units, whose address is at $nets + 4·unit. Its
  ;; input pairs are $bits bit-line pairs read from the float32 sums at $bl + 4·$stride·m (upper
  ;; at even, lower at odd positions), negative sums read as 0, times $toVolts, then the fed-back
  ;; pair ($stateU[m], $stateL[m]); the network's first two outputs replace the state.
  (func (export "recurrentCycle") (param $nets i32) (param $units i32) (param $bl i32) (param $samples i32) (param $columns i32)
    (param $stride i32) (param $bits i32) (param $toVolts f64) (param $stateU i32) (param $stateL i32) (param $inA i32) (param $inB i32)
    (local $m i32) (local $j i32) (local $unit i32) (local $s i32) (local $src i32) (local $res i32) (local $v f64)
    (local $four v128) (local $first v128) (local $second v128) (local $scale v128)
    (local.set $scale (f64x2.splat (local.get $toVolts)))
    (local.set $m (i32.const 0))
    (local.set $j (i32.const 0))
    (local.set $unit (i32.const 0))
    (block $done (loop $sample
      (br_if $done (i32.ge_u (local.get $m) (local.get $samples)))
      (local.set $src (i32.add (local.get $bl) (i32.shl (i32.mul (local.get $m) (local.get $stride)) (i32.const 2))))
      ;; Two pairs at a time: (v > 0 ? v : 0) as v AND (v > 0) (NaN and −0 read as +0), then the
      ;; uppers and the lowers regrouped; a last odd pair below.
      (local.set $s (i32.const 0))
      (block $pairsGathered (loop $gatherPairs
        (br_if $pairsGathered (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $bits)))
        (local.set $four (v128.load (local.get $src)))
        (local.set $first (f64x2.promote_low_f32x4 (local.get $four)))
        (local.set $second (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $four) (local.get $four))))
        (local.set $first (f64x2.mul (v128.and (local.get $first) (f64x2.gt (local.get $first) (v128.const f64x2 0 0))) (local.get $scale)))
        (local.set $second (f64x2.mul (v128.and (local.get $second) (f64x2.gt (local.get $second) (v128.const f64x2 0 0))) (local.get $scale)))
        (v128.store (i32.add (local.get $inA) (i32.shl (local.get $s) (i32.const 3)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $first) (local.get $second)))
        (v128.store (i32.add (local.get $inB) (i32.shl (local.get $s) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $first) (local.get $second)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (br $gatherPairs)))
      (block $gathered (loop $gather
        (br_if $gathered (i32.ge_u (local.get $s) (local.get $bits)))
        (local.set $v (f64.promote_f32 (f32.load (local.get $src))))
        (f64.store (i32.add (local.get $inA) (i32.shl (local.get $s) (i32.const 3)))
          (f64.mul (select (local.get $v) (f64.const 0) (f64.gt (local.get $v) (f64.const 0))) (local.get $toVolts)))
        (local.set $v (f64.promote_f32 (f32.load offset=4 (local.get $src))))
        (f64.store (i32.add (local.get $inB) (i32.shl (local.get $s) (i32.const 3)))
          (f64.mul (select (local.get $v) (f64.const 0) (f64.gt (local.get $v) (f64.const 0))) (local.get $toVolts)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $gather)))
      (f64.store (i32.add (local.get $inA) (i32.shl (local.get $bits) (i32.const 3)))
        (f64.load (i32.add (local.get $stateU) (i32.shl (local.get $m) (i32.const 3)))))
      (f64.store (i32.add (local.get $inB) (i32.shl (local.get $bits) (i32.const 3)))
        (f64.load (i32.add (local.get $stateL) (i32.shl (local.get $m) (i32.const 3)))))
      (local.set $res (call $run (i32.load (i32.add (local.get $nets) (i32.shl (local.get $unit) (i32.const 2)))) (local.get $inA) (local.get $inB)))
      (f64.store (i32.add (local.get $stateU) (i32.shl (local.get $m) (i32.const 3))) (f64.load (local.get $res)))
      (f64.store (i32.add (local.get $stateL) (i32.shl (local.get $m) (i32.const 3))) (f64.load offset=8 (local.get $res)))
      ;; Next sample's column and unit.
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (local.set $unit (i32.add (local.get $unit) (i32.const 1)))
      (if (i32.eq (local.get $unit) (local.get $units)) (then (local.set $unit (i32.const 0))))
      (if (i32.eq (local.get $j) (local.get $columns)) (then (local.set $j (i32.const 0)) (local.set $unit (i32.const 0))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $sample))))
)
