;; The compiled passive-network forward pass (src/circuits/network-fast.ts) in WebAssembly, two
;; columns per f64x2 lane pair. Same operations in the same order as the JavaScript reference
;; `forwardCompiledReference`, so the results are bit-identical (a unit test checks it).
;;
;; Rebuild compiled-network.wasm with `npm run build:kernels` after editing. Memory layout (byte
;; offsets), written by src/circuits/network-wasm.ts:
;;   0 layer count (i32)      8 V_DD (f64)      16 VTC grid start (f64)   24 1 / grid step (f64)
;;  32 last grid index − 1e-4 (f64)            40 grid points (i32)      44 input pairs (i32)
;;  48 outputs (i32)         56, 60, 64, 68 scratch rows A⁺, A⁻, B⁺, B⁻ (i32 addresses)
;; 128 + 32·l  layer l: signal rows, columns (even), wU, wL, offset, inverter flag, VTC values,
;;             VTC steps (i32 each; arrays are f64, [signal × columns] and [columns × points])
(module
  (memory (export "memory") 1)

  (func (export "forward") (param $upper i32) (param $lower i32) (param $out i32) (param $batch i32)
    (local $s i32) (local $l i32) (local $layers i32) (local $desc i32)
    (local $a i32) (local $b i32) (local $na i32) (local $nb i32)
    (local $signal i32) (local $colBytes i32) (local $wU i32) (local $wL i32) (local $vals i32) (local $steps i32)
    (local $k i32) (local $j i32) (local $wrow i32) (local $ptr i32) (local $i i32)
    (local $points i32) (local $inBytes i32) (local $outBytes i32)
    (local $u v128) (local $w v128) (local $vdd v128)
    (local $x f64) (local $top f64) (local $gridStart f64) (local $gridInv f64)
    (local.set $layers (i32.load (i32.const 0)))
    (local.set $vdd (f64x2.splat (f64.load (i32.const 8))))
    (local.set $gridStart (f64.load (i32.const 16)))
    (local.set $gridInv (f64.load (i32.const 24)))
    (local.set $top (f64.load (i32.const 32)))
    (local.set $points (i32.load (i32.const 40)))
    (local.set $inBytes (i32.shl (i32.load (i32.const 44)) (i32.const 3)))
    (local.set $outBytes (i32.shl (i32.load (i32.const 48)) (i32.const 3)))
    (local.set $s (i32.const 0))
    (block $samplesDone (loop $samples
      (br_if $samplesDone (i32.ge_u (local.get $s) (local.get $batch)))
      ;; Layer 0 reads the sample's input rows in place.
      (local.set $a (i32.add (local.get $upper) (i32.mul (local.get $s) (local.get $inBytes))))
      (local.set $b (i32.add (local.get $lower) (i32.mul (local.get $s) (local.get $inBytes))))
      (local.set $l (i32.const 0))
      (block $layersDone (loop $layer
        (br_if $layersDone (i32.ge_u (local.get $l) (local.get $layers)))
        (local.set $desc (i32.add (i32.const 128) (i32.shl (local.get $l) (i32.const 5))))
        (local.set $signal (i32.load (local.get $desc)))
        (local.set $colBytes (i32.shl (i32.load offset=4 (local.get $desc)) (i32.const 3)))
        (local.set $wU (i32.load offset=8 (local.get $desc)))
        (local.set $wL (i32.load offset=12 (local.get $desc)))
        (local.set $vals (i32.load offset=24 (local.get $desc)))
        (local.set $steps (i32.load offset=28 (local.get $desc)))
        ;; Even layers write scratch A, odd layers scratch B.
        (if (i32.and (local.get $l) (i32.const 1))
          (then (local.set $na (i32.load (i32.const 64))) (local.set $nb (i32.load (i32.const 68))))
          (else (local.set $na (i32.load (i32.const 56))) (local.set $nb (i32.load (i32.const 60)))))
        ;; Column numerators start at the fixed rows' offset.
        (local.set $ptr (i32.load offset=16 (local.get $desc)))
        (local.set $j (i32.const 0))
        (block $initDone (loop $init
          (br_if $initDone (i32.ge_u (local.get $j) (local.get $colBytes)))
          (v128.store (i32.add (local.get $na) (local.get $j)) (v128.load (i32.add (local.get $ptr) (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $init)))
        ;; na[j] += wU[k][j]·a[k] + wL[k][j]·b[k]
        (local.set $k (i32.const 0))
        (local.set $wrow (i32.const 0))
        (block $rowsDone (loop $row
          (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $signal)))
          (local.set $u (f64x2.splat (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $w (f64x2.splat (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $j (i32.const 0))
          (block $colsDone (loop $col
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $colBytes)))
            (local.set $ptr (i32.add (local.get $wrow) (local.get $j)))
            (v128.store (i32.add (local.get $na) (local.get $j))
              (f64x2.add
                (v128.load (i32.add (local.get $na) (local.get $j)))
                (f64x2.add
                  (f64x2.mul (v128.load (i32.add (local.get $wU) (local.get $ptr))) (local.get $u))
                  (f64x2.mul (v128.load (i32.add (local.get $wL) (local.get $ptr))) (local.get $w)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $col)))
          (local.set $wrow (i32.add (local.get $wrow) (local.get $colBytes)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $row)))
        ;; Inverter layers: each neuron's VTC, linear interpolation on the grid.
        (if (i32.load offset=20 (local.get $desc)) (then
          (local.set $j (i32.const 0))
          (block $vtcDone (loop $vtc
            (br_if $vtcDone (i32.ge_u (local.get $j) (local.get $colBytes)))
            (local.set $x (f64.mul (f64.sub (f64.load (i32.add (local.get $na) (local.get $j))) (local.get $gridStart)) (local.get $gridInv)))
            (if (f64.lt (local.get $x) (f64.const 0))
              (then (local.set $x (f64.const 0)))
              (else (if (f64.gt (local.get $x) (local.get $top)) (then (local.set $x (local.get $top))))))
            ;; Truncation as JavaScript's `x | 0` (NaN → 0).
            (local.set $i (i32.trunc_sat_f64_s (local.get $x)))
            (local.set $ptr (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $points)) (local.get $i)) (i32.const 3)))
            (f64.store (i32.add (local.get $na) (local.get $j))
              (f64.add
                (f64.load (i32.add (local.get $vals) (local.get $ptr)))
                (f64.mul (f64.sub (local.get $x) (f64.convert_i32_s (local.get $i))) (f64.load (i32.add (local.get $steps) (local.get $ptr))))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
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
      ;; The last layer's upper lines are the outputs.
      (local.set $ptr (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $outBytes))))
      (local.set $j (i32.const 0))
      (block $outDone (loop $copyOut
        (br_if $outDone (i32.ge_u (local.get $j) (local.get $outBytes)))
        (f64.store (i32.add (local.get $ptr) (local.get $j)) (f64.load (i32.add (local.get $a) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $copyOut)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $samples))))
)
