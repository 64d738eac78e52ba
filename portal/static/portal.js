// The customer's portal page: messages to the engineer, and photos and videos sent through
// upload sessions with a progress bar that survive a dropped connection (the session's parts
// already stored are skipped; a lost PUT is sent again). Plain script, no framework.
"use strict";
(function () {
  const token = decodeURIComponent(location.pathname.split("/")[2] || "");
  const T = JSON.parse(document.getElementById("portal-texts").textContent);
  const API = "/api/v1/portal";

  async function api(method, path, body) {
    const response = await fetch(API + path, {
      method,
      headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      referrerPolicy: "no-referrer",
      cache: "no-store",
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- messages -------------------------------------------------------------------------
  const list = document.getElementById("message-list");
  const form = document.getElementById("message-form");

  function when(iso) {
    const at = new Date(iso);
    return at.toLocaleString(document.documentElement.lang, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function showMessages(items) {
    if (!list) return;
    list.textContent = "";
    if (!items.length) {
      const empty = document.createElement("li");
      empty.className = "empty muted";
      empty.textContent = T.no_messages;
      list.append(empty);
    }
    for (const message of items) {
      const mine = message.author_side === "customer";
      const item = document.createElement("li");
      item.className = "message " + (mine ? "mine" : "theirs");
      const who = document.createElement("div");
      who.className = "who small muted";
      who.textContent = (mine ? T.you : message.author_name) + " · " + when(message.created_at) + (mine && message.read_at ? " · " + T.read : "");
      const body = document.createElement("div");
      body.className = "body";
      body.textContent = message.body;
      item.append(who, body);
      list.append(item);
    }
  }

  async function refreshMessages() {
    const page = await api("GET", "/messages");
    showMessages(page.items);
    const unread = page.items.filter((m) => m.author_side === "staff" && !m.read_at);
    if (unread.length) await api("POST", "/messages/read", { up_to: unread[unread.length - 1].id });
  }

  if (form) {
    const status = document.getElementById("message-status");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = document.getElementById("message-body");
      const text = field.value.trim();
      if (!text) return;
      const clientId = uuid(); // the same id on every retry: the server keeps one message
      status.textContent = T.sending;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await api("POST", "/messages", { id: clientId, body: text });
          field.value = "";
          status.textContent = "";
          await refreshMessages();
          return;
        } catch (error) {
          if (error.status && error.status < 500 && error.status !== 429) { status.textContent = T.send_failed + " " + error.message; return; }
          await sleep(1000 * 2 ** attempt);
        }
      }
      status.textContent = T.send_failed;
    });
    refreshMessages().catch(() => {});
    setInterval(() => refreshMessages().catch(() => {}), 20000);
  }

  // ---- uploads --------------------------------------------------------------------------
  const input = document.getElementById("upload-input");
  if (!input) return;
  const box = document.getElementById("upload-box");
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const uploadStatus = document.getElementById("upload-status");
  const TYPES = { mp4: "video/mp4", mov: "video/quicktime", m4v: "video/mp4", "3gp": "video/3gpp", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", heic: "image/heic", webp: "image/webp" };

  function progress(done, total) {
    const value = total ? Math.floor((done / total) * 100) : 0;
    bar.value = value;
    percent.textContent = value + "%";
  }

  function put(url, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open(url.method || "PUT", url.url);
      for (const [name, value] of Object.entries(url.headers || {})) {
        if (name.toLowerCase() !== "content-length") request.setRequestHeader(name, value);
      }
      request.upload.onprogress = (event) => onProgress(event.loaded);
      request.onload = () => (request.status < 300 ? resolve(request.getResponseHeader("ETag")) : reject(Object.assign(new Error("HTTP " + request.status), { status: request.status })));
      request.onerror = () => reject(new Error("network"));
      request.send(blob);
    });
  }

  async function retrying(step) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (error.status && error.status < 500 && error.status !== 403 && error.status !== 408 && error.status !== 429) throw error;
        if (attempt >= 8) throw error;
        uploadStatus.textContent = T.upload_waiting;
        await sleep(Math.min(30000, 1000 * 2 ** attempt));
      }
    }
  }

  async function send(file) {
    const type = file.type || TYPES[(file.name.split(".").pop() || "").toLowerCase()] || "application/octet-stream";
    const kind = type.startsWith("video/") ? "video" : type.startsWith("image/") ? "photo" : "document";
    box.hidden = false;
    progress(0, 1);
    const digest = await sha256(file);
    // The same file again resumes the same session (the key is its content).
    const key = "portal-" + digest.slice(0, 40) + "-" + file.size;
    let session = await retrying(() => api("POST", "/uploads", { client_key: key, kind, content_type: type, size: file.size, sha256: digest }));
    const stored = new Map();
    while (session.status === "pending") {
      try {
        if (session.upload) {
          await put(session.upload, file, (loaded) => progress(loaded, file.size));
          stored.set(0, file.size);
        } else {
          for (const part of session.parts) if (part.uploaded) stored.set(part.number, part.size);
          for (const part of session.parts) {
            if (part.uploaded || stored.has(part.number)) continue;
            const start = (part.number - 1) * session.part_size;
            await put(part.url, file.slice(start, start + part.size), (loaded) => {
              progress([...stored.values()].reduce((a, b) => a + b, 0) + loaded, file.size);
            });
            stored.set(part.number, part.size);
          }
        }
        progress(file.size, file.size);
        session = await retrying(() => api("POST", `/uploads/${session.id}/complete`));
      } catch (error) {
        if (error.status && error.status < 500 && error.status !== 403) throw error;
        uploadStatus.textContent = T.upload_waiting;
        await sleep(2000);
        // Fresh links, and which parts the store already holds.
        session = await retrying(() => api("GET", `/uploads/${session.id}`));
        if (session.upload) stored.clear();
      }
    }
    uploadStatus.textContent = T.upload_done;
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    input.disabled = true;
    try {
      await send(file);
      setTimeout(() => location.reload(), 800);
    } catch (error) {
      uploadStatus.textContent = T.upload_failed + error.message;
    } finally {
      input.disabled = false;
    }
  });

  // ---- SHA-256 of a file, read in slices (no whole-file buffer; works on plain http too) ----
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function compress(state, block, w) {
    for (let i = 0; i < 16; i++) w[i] = (block[i * 4] << 24) | (block[i * 4 + 1] << 16) | (block[i * 4 + 2] << 8) | block[i * 4 + 3];
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, h] = state;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }

  async function sha256(file) {
    const state = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Int32Array(64);
    const pending = new Uint8Array(64);
    let filled = 0;
    const SLICE = 4 * 1024 * 1024;
    for (let offset = 0; offset < file.size; offset += SLICE) {
      const bytes = new Uint8Array(await file.slice(offset, offset + SLICE).arrayBuffer());
      let i = 0;
      if (filled) {
        const take = Math.min(64 - filled, bytes.length);
        pending.set(bytes.subarray(0, take), filled);
        filled += take; i = take;
        if (filled === 64) { compress(state, pending, w); filled = 0; }
      }
      for (; i + 64 <= bytes.length; i += 64) compress(state, bytes.subarray(i, i + 64), w);
      if (i < bytes.length) { pending.set(bytes.subarray(i), 0); filled = bytes.length - i; }
    }
    const tail = new Uint8Array(filled < 56 ? 64 : 128);
    tail.set(pending.subarray(0, filled));
    tail[filled] = 0x80;
    const bits = file.size * 8;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (let i = 0; i < tail.length; i += 64) compress(state, tail.subarray(i, i + 64), w);
    return [...state].map((x) => x.toString(16).padStart(8, "0")).join("");
  }
})();
