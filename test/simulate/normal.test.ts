/** The standard normal's distribution function and its inverse, against published table values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalCdf, normalDensity, normalQuantile } from '../../src/simulate/normal.ts';

test('Φ matches the table', () => {
  for (const [x, p] of [
    [0, 0.5],
    [1, 0.8413447461],
    [-1, 0.1586552539],
    [1.96, 0.9750021049],
    [0.45, 0.6736447797],
    [-3, 0.001349898],
    [5, 0.9999997133],
  ] as const) {
    assert.ok(Math.abs(normalCdf(x) - p) < 2e-8, `Φ(${x}) = ${normalCdf(x)}, table ${p}`);
  }
});

test('Φ⁻¹ matches the table', () => {
  for (const [p, z] of [
    [0.5, 0],
    [0.975, 1.959963985],
    [0.05, -1.644853627],
    [2 / 3, 0.4307272993],
    [0.999, 3.090232306],
    [1e-6, -4.753424309],
  ] as const) {
    assert.ok(
      Math.abs(normalQuantile(p) - z) < 1e-8 * Math.max(1, Math.abs(z)),
      `Φ⁻¹(${p}) = ${normalQuantile(p)}`,
    );
  }
  assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
  assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
  assert.throws(() => normalQuantile(1.5), RangeError);
});

test('φ is the density: its value at 0 and at 1', () => {
  assert.ok(Math.abs(normalDensity(0) - 0.3989422804) < 1e-10);
  assert.ok(Math.abs(normalDensity(1) - 0.2419707245) < 1e-10);
});

test('Φ⁻¹ undoes Φ', () => {
  fc.assert(
    fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => {
      assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-7);
    }),
  );
});
