// Whether WebGL runs in software (SwiftShader, llvmpipe): then multisampling
// costs more than it gives, and the view turns it off.

export function softwareRenderer(): boolean {
  const gl = document.createElement("canvas").getContext("webgl2") as WebGL2RenderingContext | null;
  if (!gl) return true;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
}
