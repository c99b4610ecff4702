/* Live view tiles: each .live-tile[data-ws] opens its websocket, whose text messages give the
 * camera's state (connecting, live, reconnecting, offline, refused) and whose binary messages
 * carry the stream. MPEG-TS (H.264 passed through by the server) is played by mpegts.js (the
 * vendored npm package) fed from this socket through a custom loader; MJPEG frames are shown
 * one by one as images. A lost socket is opened again by itself. */
(function () {
  "use strict";
  var labelsNode = document.getElementById("live-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var mpegts = window.mpegts;
  if (mpegts && mpegts.LoggingControl) {
    mpegts.LoggingControl.enableAll = false;
    mpegts.LoggingControl.enableError = true;
  }

  function Tile(el) {
    this.el = el;
    this.video = el.querySelector("video");
    this.img = el.querySelector("img");
    this.badge = el.querySelector(".live-state");
    this.reasonNode = el.querySelector(".live-reason");
    this.epoch = null;
    this.media = "";
    this.player = null;
    this.loader = null;
    this.pending = [];
    this.received = 0;
    this.frames = 0;
    this.imageUrl = null;
    this.refused = false;
    this.retry = 1000;
    this.connect();
  }

  Tile.prototype.setState = function (state, reason) {
    this.el.dataset.state = state;
    this.badge.dataset.state = state;
    this.badge.textContent = labels[state] || state;
    var text = reason || "";
    if (!text && state === "offline") { text = labels.offline_reason || ""; }
    this.reasonNode.textContent = text;
  };

  Tile.prototype.connect = function () {
    var self = this;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + this.el.dataset.ws);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = function (event) {
      if (typeof event.data === "string") {
        self.onState(JSON.parse(event.data));
      } else {
        self.onData(event.data);
      }
    };
    ws.onopen = function () { self.retry = 1000; };
    ws.onclose = function () {
      if (self.refused) { return; }
      self.setState("reconnecting", labels.closed_reason);
      self.epoch = null;
      window.setTimeout(function () { self.connect(); }, self.retry);
      self.retry = Math.min(self.retry * 2, 15000);
    };
  };

  Tile.prototype.onState = function (message) {
    if (message.state === "refused") {
      this.refused = true;
      this.stop();
      this.setState("refused", message.reason);
      return;
    }
    this.setState(message.state, message.reason);
    if (message.state === "live" && message.epoch !== this.epoch) {
      this.epoch = message.epoch;
      this.start(message.media);
    }
  };

  Tile.prototype.stop = function () {
    if (this.player) {
      try { this.player.destroy(); } catch (e) { /* already gone */ }
      this.player = null;
    }
    this.loader = null;
    this.pending = [];
    this.received = 0;
  };

  Tile.prototype.start = function (media) {
    this.stop();
    this.media = media;
    this.video.hidden = media === "mjpeg";
    this.img.hidden = media !== "mjpeg";
    if (media === "mjpeg" || !mpegts) { return; }
    var tile = this;
    // mpegts.js reads through a loader; this one hands it what the tile's socket receives.
    class SocketLoader extends mpegts.BaseLoader {
      constructor() {
        super("smartzone-live-socket");
        tile.loader = this;
      }
      open() {
        this._status = mpegts.LoaderStatus.kBuffering;
        var waiting = tile.pending;
        tile.pending = [];
        waiting.forEach(function (chunk) { tile.feed(chunk); });
      }
      abort() { this._status = mpegts.LoaderStatus.kComplete; }
    }
    this.player = mpegts.createPlayer(
      { type: "mpegts", isLive: true, url: "socket:" + this.el.dataset.ws },
      {
        customLoader: SocketLoader,
        enableWorker: false,
        enableStashBuffer: false,
        lazyLoad: false,
        liveBufferLatencyChasing: true,
        liveBufferLatencyMaxLatency: 1.2,
        liveBufferLatencyMinRemain: 0.3,
      }
    );
    this.player.attachMediaElement(this.video);
    this.player.load();
    var played = this.player.play();
    if (played && played.catch) { played.catch(function () { /* muted autoplay may wait */ }); }
  };

  Tile.prototype.feed = function (chunk) {
    var loader = this.loader;
    if (!loader || loader._status !== mpegts.LoaderStatus.kBuffering || !loader._onDataArrival) {
      this.pending.push(chunk);
      return;
    }
    var start = this.received;
    this.received += chunk.byteLength;
    loader._onDataArrival(chunk, start, this.received);
  };

  Tile.prototype.onData = function (data) {
    if (this.media === "mjpeg") {
      var url = URL.createObjectURL(new Blob([data], { type: "image/jpeg" }));
      var old = this.imageUrl;
      this.imageUrl = url;
      this.img.src = url;
      if (old) { URL.revokeObjectURL(old); }
      this.frames += 1;
      this.el.dataset.frames = String(this.frames);
    } else if (this.player) {
      this.feed(data);
    }
  };

  document.querySelectorAll(".live-tile[data-ws]").forEach(function (el) {
    el.liveTile = new Tile(el);
  });
})();
