/**
 * Process/temperature corners of the transistor-level inverter (docs/reference.md §2.2) and the ngspice
 * decks that characterize it. Pure data and string building; running ngspice is in `io/ngspice.ts`.
 *
 * Corners: five process corners (TT, FF, SS, FS, SF: threshold shifts of ±30 mV and mobility
 * ±8 %, NMOS letter first) at −40, 27 and 85 °C, all at the nominal 1.2 V supply. Supply variation
 * is not a per-neuron corner here: the bias rows, the sample-and-hold references and the
 * converter's reference all come from the same supply, so a supply change scales the whole
 * analog chain ratiometrically rather than shifting one neuron against the others.
 */
import { VDD_VOLTS } from '../core/defaults.ts';

/** One process/temperature corner of the inverter. */
export interface InverterCorner {
  /** Corner name, e.g. `tt_27c`, `fs_m40c`. */
  name: string;
  /** Process corner letters (NMOS first). */
  process: 'tt' | 'ff' | 'ss' | 'fs' | 'sf';
  /** Junction temperature, °C. */
  temperatureCelsius: number;
  /** NMOS threshold shift, volts (positive = slower). */
  dvthnVolts: number;
  /** |PMOS| threshold shift, volts (positive = slower). */
  dvthpVolts: number;
  /** NMOS mobility multiplier. */
  mobilityN: number;
  /** PMOS mobility multiplier. */
  mobilityP: number;
  /** Supply voltage, volts. */
  vddVolts: number;
}

const PROCESS_SHIFTS: Record<InverterCorner['process'], [number, number, number, number]> = {
  tt: [0, 0, 1, 1],
  ff: [-0.03, -0.03, 1.08, 1.08],
  ss: [0.03, 0.03, 0.92, 0.92],
  fs: [-0.03, 0.03, 1.08, 0.92],
  sf: [0.03, -0.03, 0.92, 1.08],
};

/** Name of the nominal corner. */
export const NOMINAL_CORNER = 'tt_27c';

/** The default corner set: 5 process corners × {−40, 27, 85} °C at the nominal supply. */
export function defaultCorners(temperaturesCelsius: number[] = [-40, 27, 85], vddVolts = VDD_VOLTS): InverterCorner[] {
  const out: InverterCorner[] = [];
  for (const process of Object.keys(PROCESS_SHIFTS) as InverterCorner['process'][]) {
    const [dvthnVolts, dvthpVolts, mobilityN, mobilityP] = PROCESS_SHIFTS[process];
    for (const t of temperaturesCelsius) {
      const tName = t < 0 ? `m${-t}c` : `${t}c`;
      out.push({ name: `${process}_${tName}`, process, temperatureCelsius: t, dvthnVolts, dvthpVolts, mobilityN, mobilityP, vddVolts });
    }
  }
  return out;
}

/** `.param` lines that select a corner of `inverter_130nm.lib`. */
export function cornerParams(c: InverterCorner): string {
  return `.param npim_dvthn=${c.dvthnVolts} npim_dvthp=${c.dvthpVolts} npim_mun=${c.mobilityN} npim_mup=${c.mobilityP}`;
}

/**
 * ngspice deck for the DC sweep of one corner: input from 0 to VDD in `stepVolts`, output written
 * with `wrdata` to `dataFile` as two columns (vin, vout).
 */
export function inverterSweepDeck(c: InverterCorner, libPath: string, dataFile: string, stepVolts = 1e-3): string {
  return [
    `* neural-pim inverter VTC sweep, corner ${c.name} (${c.process.toUpperCase()}, ${c.temperatureCelsius} C, VDD ${c.vddVolts} V)`,
    cornerParams(c),
    `.include ${JSON.stringify(libPath)}`,
    `Vdd vdd 0 ${c.vddVolts}`,
    'Vin in 0 0',
    'X1 in out vdd npim_inv',
    `.options temp=${c.temperatureCelsius} tnom=27`,
    '.control',
    `dc Vin 0 ${c.vddVolts} ${stepVolts}`,
    `wrdata ${dataFile} v(out)`,
    // batch mode would otherwise look for a netlist analysis after .control and exit with 1
    'quit 0',
    '.endc',
    '.end',
    '',
  ].join('\n');
}
