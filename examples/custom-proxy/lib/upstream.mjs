// The upstream for the example: a plain Node https server that refuses any client
// without a certificate signed by `clientCa`, and echoes what it saw as JSON.
import https from 'node:https';

/**
 * @param {{ cert: string, key: string, clientCa: string }} pem
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export async function startMtlsUpstream({ cert, key, clientCa }) {
  const server = https.createServer({ cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = req.socket.getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        clientCertificate: peer?.subject ? `CN=${peer.subject.CN}` : null,
        sni: req.socket.servername,
        // Which TCP connection carried the request: equal ports mean a reused connection.
        connection: req.socket.remotePort,
        method: req.method,
        url: req.url,
        host: req.headers.host,
        requestId: req.headers['x-request-id'],
        forwardedFor: req.headers['x-forwarded-for'],
      }),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
