export { ByteChecker, decodeCheckedText, InputBytesError, INPUT_LIMITS, layoutOf, type ByteLayout, type InputBytesProblem, type InputLimits } from './bytes.ts';
export { checkWholeNumber, type Checked, type IntRange } from './values.ts';
