// Writes tests/SeqCore.Tests/Golden/gpt2/encoded.json: token ids from the reference GPT-2 encoder in JavaScript
// (npm package gpt-3-encoder 1.1.4, MIT) for a fixed list of texts, so the C# tests need no node.
//
//   npm install --prefix /tmp/gpt3enc gpt-3-encoder@1.1.4
//   node tests/golden/make_gpt2_golden.js /tmp/gpt3enc/node_modules/gpt-3-encoder [path/to/kjv.txt]
//
// Each case stores the text as UTF-16 code units (so unpaired surrogates survive JSON), the reference ids, and
// whether the reference's decode gives the text back.
'use strict';
const fs = require('fs');
const path = require('path');

const pkgDir = process.argv[2];
if (!pkgDir) { console.error('usage: node make_gpt2_golden.js <gpt-3-encoder package folder> [kjv.txt]'); process.exit(2); }
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
if (pkg.name !== 'gpt-3-encoder' || pkg.version !== '1.1.4') {
  console.error(`expected gpt-3-encoder 1.1.4, found ${pkg.name} ${pkg.version}`); process.exit(1);
}
const { encode, decode } = require(path.resolve(pkgDir));
const kjvPath = process.argv[3] || path.join(__dirname, '../../data/kjv.txt');

const cases = [
  ['empty', ''],
  ['hello', 'Hello, world!'],
  ['sentence', 'The quick brown fox jumps over the lazy dog.'],
  ['accents', 'Café crème brûlée, naïve façade, Ångström, Øresund, Straße, Żółć.'],
  ['greek-cyrillic', 'Ελληνικά και русский язык: Привет, мир!'],
  ['cjk', '日本語のテキスト、中文文本和한국어 텍스트。'],
  ['emoji', 'I ❤️ emoji 😀👍🏽 and flags 🇫🇷 plus family 👨‍👩‍👧‍👦!'],
  ['emoji-glued', 'abc😀def 😀😀 x😀'],
  ['non-bmp-letters', 'Math 𝐀𝐁𝐂 bold, Gothic 𐌰𐌱, CJK ext B 𠀀𠀁 and 𝟙𝟚 digits'],
  ['rtl', 'שלום עולם و مرحبا بالعالم'],
  ['spaces', 'a  b   c    d'],
  ['newlines', 'line one\nline two\n\nline four\n\n\n'],
  ['mixed-whitespace', ' \t\n x \r\n\ty\u00a0z\u3000w\u2028v'],
  ['tabs', '\tindented\t\ttext\t'],
  ['leading-trailing', '   leading and trailing   '],
  ['only-spaces', '     '],
  ['single-space', ' '],
  ['contractions', "it's can't we're they've I'm you'll he'd"],
  ['contractions-upper', "IT'S CAN'T WE'RE THEY'VE I'M YOU'LL HE'D John'S"],
  ['apostrophes', "'s 't ''s rock'n'roll 'tis 'abc' '"],
  ['digits', '0 1 12 123 1234 12345 3.14159 2026-11-22 1,000,000'],
  ['long-number', '31415926535897932384626433832795028841971693993751058209749445923'],
  ['punctuation', '!@#$%^&*()_+-=[]{}|;:\'",.<>/?`~ ... --- ???!!!'],
  ['json-like', '{"a": [1, 2], "b": "c"},"d"'],
  ['comma-quotes', '","],"\',\' ],[ a","b [[1,2],[3,4]]'],
  ['code', 'def f(x):\n    return x ** 2  # square\n\nprint(f(3))\n'],
  ['nbsp-feff', 'a\u00a0b\ufeffc\u0085d'],
  ['control', 'bell\u0007 null\u0000 del\u007f'],
  ['combining', 'e\u0301 a\u0308 n\u0303'],
  ['endoftext-literal', '<|endoftext|> is just text here'],
  ['lone-surrogate', 'x\ud800y \udc00 z'],
  ['mixed-script', 'Hello世界123abc!?'],
];

// Long pieces (no spaces) exercise the tokenizer's long-piece path; a fixed generator keeps them reproducible.
let seed = 20261122;
const rand = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const pick = (alphabet, n) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
cases.push(['long-letters', pick('abcdefghijklmnopqrstuvwxyz', 600)]);
cases.push(['long-base64', pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 400) + '==']);
cases.push(['long-mixed-script', pick('aéß日本한😀𝐀', 200)]);
cases.push(['long-repeats', 'a'.repeat(300) + ' ' + 'ab'.repeat(150) + ' ' + '!'.repeat(100) + ' '.repeat(120) + 'x' + '\n'.repeat(80)]);

const lines = fs.readFileSync(kjvPath, 'utf8').split('\n');
const paragraph = (from, count) => lines.slice(from - 1, from - 1 + count).join('\n');
cases.push(['kjv-genesis-1', paragraph(1, 8)]);
cases.push(['kjv-psalms-1', paragraph(14897, 8)]);
cases.push(['kjv-middle', paragraph(20000, 6)]);
cases.push(['kjv-end', lines.slice(-6).join('\n')]);

const out = cases.map(([name, text]) => {
  const ids = encode(text);
  if (ids.some(x => typeof x !== 'number')) throw new Error(`${name}: reference produced a non-numeric id`);
  const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  return { name, units, ids, decodes_back: decode(ids) === text };
});
const target = path.join(__dirname, '../SeqCore.Tests/Golden/gpt2/encoded.json');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, JSON.stringify({
  source: 'npm gpt-3-encoder 1.1.4 (MIT), encode() and decode()',
  script: 'tests/golden/make_gpt2_golden.js',
  cases: out,
}, null, 1) + '\n');
console.log(`wrote ${out.length} cases to ${target}`);
