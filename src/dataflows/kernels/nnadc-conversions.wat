;; The NNADC conversions of a Neural-PIM tile (src/dataflows/neural-pim-circuits.ts convertAndAdd)
;; in WebAssembly: each sample's magnitude |y| is converted by its column's threshold form (the
;; counts of `convertWithThresholds` in src/circuits/nnadc/model.ts: a branch-free binary search over
;; sorted tables padded with +∞), the signed code corrected by the column's calibration and added
;; to the sample's partial sum. Same operations in the same order as the JavaScript loop, so the
;; sums are bit-identical (a unit test checks it).
;;
;; Rebuild nnadc-conversions.wasm with `npm run build:kernels` after editing. A column record is
;; 64 bytes: 0 search table address (i32, f64 entries), 4 first span, 8 fine span, 12 top code,
;; 16 codes per coarse count, 20 flash flag (i32 each), 32 offset, 40 gain, 48 offset of negative
;; readings, 56 gain of negative readings (f64 each).
(module
  (memory (export "memory") 1)

  ;; How many of the `span` sorted thresholds at `table` lie below y (y > t).
  (func $countBelow (param $table i32) (param $span i32) (param $y f64) (result i32)
    (local $c i32) (local $h i32)
    (local.set $h (i32.shr_u (local.get $span) (i32.const 1)))
    (block $done (loop $halve
      (br_if $done (i32.eqz (local.get $h)))
      (local.set $c (i32.add (local.get $c)
        (select (local.get $h) (i32.const 0)
          (f64.gt (local.get $y)
            (f64.load (i32.add (local.get $table) (i32.shl (i32.sub (i32.add (local.get $c) (local.get $h)) (i32.const 1)) (i32.const 3))))))))
      (local.set $h (i32.shr_u (local.get $h) (i32.const 1)))
      (br $halve)))
    (local.get $c))

  ;; acc[m] += correction of the signed code of y[m], m < samples, sample m in column m mod columns.
  (func (export "convertAdd") (param $records i32) (param $columns i32) (param $y i32) (param $acc i32) (param $samples i32) (param $lsb f64)
    (local $m i32) (local $j i32) (local $rec i32) (local $table i32) (local $first i32) (local $code i32) (local $top i32)
    (local $v f64) (local $mag f64) (local $c f64) (local $at i32)
    (local.set $rec (local.get $records))
    (block $done (loop $sample
      (br_if $done (i32.ge_u (local.get $m) (local.get $samples)))
      (local.set $v (f64.load (i32.add (local.get $y) (i32.shl (local.get $m) (i32.const 3)))))
      (local.set $mag (f64.abs (local.get $v)))
      (local.set $table (i32.load (local.get $rec)))
      (local.set $top (i32.load offset=12 (local.get $rec)))
      (local.set $first (call $countBelow (local.get $table) (i32.load offset=4 (local.get $rec)) (local.get $mag)))
      (if (i32.load offset=20 (local.get $rec))
        (then (local.set $code (local.get $first)))
        (else
          (local.set $code (i32.add
            (i32.mul (local.get $first) (i32.load offset=16 (local.get $rec)))
            (call $countBelow
              (i32.add (local.get $table)
                (i32.shl (i32.add (i32.load offset=4 (local.get $rec)) (i32.mul (local.get $first) (i32.load offset=8 (local.get $rec)))) (i32.const 3)))
              (i32.load offset=8 (local.get $rec))
              (local.get $mag))))))
      (local.set $code (select (local.get $top) (local.get $code) (i32.lt_s (local.get $top) (local.get $code))))
      (local.set $c (f64.convert_i32_s (local.get $code)))
      (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $m) (i32.const 3))))
      (f64.store (local.get $at)
        (f64.add (f64.load (local.get $at))
          (if (result f64) (f64.lt (local.get $v) (f64.const 0))
            (then (f64.mul (f64.mul (f64.sub (f64.neg (local.get $c)) (f64.load offset=48 (local.get $rec))) (f64.load offset=56 (local.get $rec))) (local.get $lsb)))
            (else (f64.mul (f64.mul (f64.sub (local.get $c) (f64.load offset=32 (local.get $rec))) (f64.load offset=40 (local.get $rec))) (local.get $lsb))))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (local.set $rec (i32.add (local.get $rec) (i32.const 64)))
      (if (i32.eq (local.get $j) (local.get $columns)) (then (local.set $j (i32.const 0)) (local.set $rec (local.get $records))))
      (br $sample))))
)
