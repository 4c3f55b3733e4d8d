// @ts-check
// The disguises' own arithmetic, and the secret code's check.
import { display, evaluate } from "/js/disguise/calculator.js";
import { convert } from "/js/disguise/converter.js";
import * as prefs from "/js/disguise/prefs.js";
import { clock, secondsOf } from "/js/disguise/timer.js";
import { equal, ok } from "./assert.js";

export function testTimesAndDivideComeBeforePlusAndMinus() {
  equal(evaluate(["2", "+", "3", "×", "4"]), 14);
  equal(evaluate(["10", "−", "4", "−", "3"]), 3);
  equal(evaluate(["8", "÷", "2", "×", "3"]), 12);
  equal(evaluate(["7"]), 7);
}

export function testResultsReadLikeACalculators() {
  equal(display(0.1 + 0.2), "0.3");
  equal(display(1 / 3), "0.333333333333");
  equal(display(7 / 0), "Error");
  equal(display(-3), "-3");
  equal(display(123456789 * 987654321), "1.21932631e+17");
}

export function testConversions() {
  equal(display(convert("Length", 1, "Miles", "Kilometres")), "1.609344");
  equal(display(convert("Temperature", 100, "Celsius", "Fahrenheit")), "212");
  equal(display(convert("Temperature", 32, "Fahrenheit", "Kelvin")), "273.15");
  equal(display(convert("Weight", 1, "Stones", "Pounds")), "14");
}

export function testTimerDigitsFillFromTheRight() {
  equal(secondsOf("130"), 90);
  equal(secondsOf("12000"), 4800);
  equal(secondsOf("5"), 5);
  equal(clock(90), "1:30");
  equal(clock(4800), "1:20:00");
}

export async function testTheSecretCodeIsKeptOnlyAsASaltedHash() {
  const before = localStorage.getItem("prefs");
  try {
    localStorage.removeItem("prefs");
    ok(!prefs.hasCode());
    ok(!(await prefs.checkCode("1379")), "no code set: nothing opens");
    await prefs.setCode("1379");
    const stored = localStorage.getItem("prefs") || "";
    ok(!stored.includes("1379"), "the code itself is never stored");
    ok(await prefs.checkCode("1379"));
    ok(!(await prefs.checkCode("1378")));
    ok(!(await prefs.checkCode("13790")));
    prefs.setLook("notes");
    prefs.forgetCode();
    ok(!prefs.hasCode());
    equal(prefs.look(), "notes", "erasing keeps the disguise, so the icon still matches");
    let refused = false;
    try {
      await prefs.setCode("12ab");
    } catch {
      refused = true;
    }
    ok(refused, "a code is 4 to 6 digits");
  } finally {
    if (before === null) localStorage.removeItem("prefs");
    else localStorage.setItem("prefs", before);
  }
}

export function testCodesTooEasyToGuessAreNamed() {
  for (const weak of ["0000", "1111", "1234", "4321", "7890", "123456", "1212", "909090"]) ok(prefs.weakness(weak), weak);
  for (const fine of ["1379", "0427", "2580", "24680", "8351"]) equal(prefs.weakness(fine), "", fine);
}
