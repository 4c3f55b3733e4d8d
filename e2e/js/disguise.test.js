// @ts-check
// The disguises' own arithmetic, and the secret code's check.
import { display, evaluate } from "/js/disguise/calculator.js";
import { convert } from "/js/disguise/converter.js";
import * as prefs from "/js/disguise/prefs.js";
import { clock, secondsOf } from "/js/disguise/timer.js";
import { equal, ok } from "./assert.js";

export function testTimesAndDivideComeBeforePlusAndMinus() {
  const worked = (/** @type {string[]} */ ...tokens) => display(evaluate(tokens));
  equal(worked("2", "+", "3", "×", "4"), "14");
  equal(worked("10", "−", "4", "−", "3"), "3");
  equal(worked("8", "÷", "2", "×", "3"), "12");
  equal(worked("7"), "7");
}

export function testArithmeticIsDecimalLikeAPhones() {
  const worked = (/** @type {string[]} */ ...tokens) => display(evaluate(tokens));
  equal(worked("0.1", "+", "0.2"), "0.3");
  equal(worked("100.1", "−", "100"), "0.1");
  equal(worked("123456789012345", "+", "1"), "123456789012346", "every one of 15 digits is kept");
  equal(worked("1", "÷", "3", "×", "3"), "1");
  equal(worked("2", "÷", "3"), "0.666666666666667");
  equal(worked("7", "÷", "0"), "Error");
  equal(worked("1e999", "×", "10"), "Error", "an overflow");
  equal(worked("1.5e20", "×", "2"), "3e20", "a result shown with an exponent can be worked on");
}

export function testNoExponentBeforeAPhoneWouldShowOne() {
  const worked = (/** @type {string[]} */ ...tokens) => display(evaluate(tokens));
  equal(worked("123456789", "×", "9"), "1111111101");
  equal(worked("999999999999999"), "999999999999999");
  equal(worked("1", "÷", "10000000"), "0.0000001");
  equal(worked("1", "÷", "1000000000"), "0.000000001");
  // Past what the display holds, an exponent, as a phone shows it.
  equal(worked("99999999", "×", "99999999"), "9.9999998e15");
  equal(worked("999999999999999", "+", "1"), "1e15");
  equal(worked("1", "÷", "10000000000"), "1e-10");
  equal(worked("123456789", "×", "987654321"), "1.21932631113e17");
}

export function testResultsReadLikeACalculators() {
  equal(display(0.1 + 0.2), "0.3");
  equal(display(1 / 3), "0.333333333333");
  equal(display(7 / 0), "Error");
  equal(display(-3), "-3");
  equal(display(1e-7), "0.0000001");
  equal(display(123456789 * 987654321), "1.21932631113e17");
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
