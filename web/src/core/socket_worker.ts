// The worker that owns the stream's WebSocket (socket_relay.ts).

import { type RelayCommand, type RelayMessage, SocketRelay } from "./socket_relay";

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<RelayCommand>) => void) | null;
  postMessage(msg: RelayMessage, transfer: Transferable[]): void;
};

const relay = new SocketRelay((msg, transfer) => scope.postMessage(msg, transfer));
let socket: WebSocket | null = null;

scope.onmessage = (ev) => {
  const cmd = ev.data;
  switch (cmd.kind) {
    case "connect":
      try {
        socket = new WebSocket(cmd.url);
      } catch (e) {
        relay.closed(1006, `cannot open ${cmd.url}: ${e instanceof Error ? e.message : e}`);
        return;
      }
      socket.binaryType = "arraybuffer";
      socket.onopen = () => relay.opened();
      socket.onmessage = (m) => relay.received(m.data);
      socket.onclose = (c) => relay.closed(c.code, c.reason);
      break;
    case "send":
      socket?.send(cmd.data);
      break;
    case "close":
      socket?.close(cmd.code, cmd.reason);
      break;
    case "ack":
      relay.ack();
      break;
  }
};
