// faceapi_reference.js — reference outputs of the face-api networks, made with the package's own
// JavaScript (dist/face-api.node-wasm.js) on TF.js's pure-JS CPU backend; the C networks are tested
// against them (tests/models/faceapi/). How to regenerate: tests/tools/make_faceapi_reference.sh.
//
//   node faceapi_reference.js MODEL_DIR OUT.json NAME:W:H:RGB_FILE...
//
// Each RGB_FILE holds W*H*3 bytes (rgb24, row-major: what `ffmpeg -pix_fmt rgb24 -f rawvideo`
// writes). For every image it stores
//  - faces: detectAllFaces(SSD, minConfidence 0.5).withFaceLandmarks().withFaceDescriptors()
//    .withAgeAndGender().withFaceExpressions(), sorted by box x: box [x, y, w, h] and landmarks in
//    input pixels, score, 128-D descriptor, age, gender, gender_probability, expressions;
//  - units: each network alone on one crop of the image (crop [x, y, w, h], integers: the pixels
//    image[y:y+h, x:x+w]), so each C network can be checked on its own: landmarks68 (positions
//    relative to the crop, in crop pixels), descriptor, age/gender, expressions.
'use strict';
const fs = require('fs');
const path = require('path');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;

const round = (v, d = 6) => Number(v.toFixed(d));
const arr = (a, d) => Array.from(a, (v) => round(v, d));
const pts = (ps) => ps.map((p) => [round(p.x, 4), round(p.y, 4)]);
const exprs = (e) => {
  const o = {};
  for (const k of ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised']) o[k] = round(e[k], 7);
  return o;
};

async function units(img, crop) {
  const [x, y, w, h] = crop;
  const face = tf.slice3d(img, [y, x, 0], [h, w, 3]);
  const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(face);
  const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(face);
  const ag = await faceapi.nets.ageGenderNet.predictAgeAndGender(face);
  const ex = await faceapi.nets.faceExpressionNet.predictExpressions(face);
  face.dispose();
  return {
    crop,
    landmarks: pts(lm.positions),
    descriptor: arr(desc, 7),
    age: round(ag.age, 5),
    gender: ag.gender,
    gender_probability: round(ag.genderProbability, 7),
    expressions: exprs(ex),
  };
}

async function main() {
  const [modelDir, out, ...images] = process.argv.slice(2);
  if (!modelDir || !out || !images.length) throw new Error('usage: node faceapi_reference.js MODEL_DIR OUT.json NAME:W:H:RGB...');
  await tf.setBackend('cpu');
  await tf.ready();
  for (const net of ['ssdMobilenetv1', 'faceLandmark68Net', 'faceRecognitionNet', 'ageGenderNet', 'faceExpressionNet'])
    await faceapi.nets[net].loadFromDisk(modelDir);
  const result = { generator: `face-api ${faceapi.version} (tfjs ${tf.version_core}, backend ${tf.getBackend()})`, images: [] };
  for (const spec of images) {
    const [name, ws, hs, file] = spec.split(':');
    const w = Number(ws);
    const h = Number(hs);
    const rgb = fs.readFileSync(file);
    if (rgb.length !== w * h * 3) throw new Error(`${file}: ${rgb.length} bytes, expected ${w}x${h}x3`);
    const img = tf.tensor3d(new Uint8Array(rgb), [h, w, 3], 'int32');
    const found = await faceapi.detectAllFaces(img, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }))
      .withFaceLandmarks().withFaceDescriptors().withAgeAndGender().withFaceExpressions();
    found.sort((a, b) => a.detection.box.x - b.detection.box.x);
    const faces = found.map((f) => ({
      box: [f.detection.box.x, f.detection.box.y, f.detection.box.width, f.detection.box.height].map((v) => round(v, 4)),
      score: round(f.detection.score, 7),
      landmarks: pts(f.landmarks.positions),
      descriptor: arr(f.descriptor, 7),
      age: round(f.age, 5),
      gender: f.gender,
      gender_probability: round(f.genderProbability, 7),
      expressions: exprs(f.expressions),
    }));
    // One crop per image for the unit checks: the first face's box (rounded), else the centre.
    const b = faces.length ? faces[0].box : [w / 4, h / 4, w / 2, h / 2];
    const cx = Math.max(0, Math.round(b[0]));
    const cy = Math.max(0, Math.round(b[1]));
    const crop = [cx, cy, Math.min(w - cx, Math.round(b[2])), Math.min(h - cy, Math.round(b[3]))];
    const sha = require('crypto').createHash('sha256').update(rgb).digest('hex');
    result.images.push({ name, width: w, height: h, rgb_sha256: sha, faces, unit: await units(img, crop) });
    img.dispose();
    process.stderr.write(`${name}: ${faces.length} faces\n`);
  }
  fs.writeFileSync(out, `${JSON.stringify(result)}\n`);
}
main().catch((e) => { process.stderr.write(`faceapi_reference: ${e.message}\n`); process.exit(1); });
