import {
  errorFormat,
  forbiddenDetail,
  methodNotAllowed,
  notFound,
  renderGlanceError,
  unsupportedMediaType,
} from './errors';

const REQ = { method: 'GET', contentType: '' };

describe('errorFormat', () => {
  it.each([
    [undefined, 'html'],
    ['', 'plain'],
    ['application/json', 'json'],
    ['application/json, text/plain', 'json'],
    ['*/*', 'html'],
    ['text/html;q=0.5, application/json', 'json'],
    ['application/*', 'json'],
    ['text/plain', 'plain'],
    ['application/json;q=0', 'plain'],
  ] as const)('Accept %p renders %s, as webob chooses', (accept, format) => {
    expect(errorFormat(accept)).toBe(format);
  });
});

describe('renderGlanceError', () => {
  it('puts the explanation in webob template as JSON with the status line and title', () => {
    const rendered = renderGlanceError(notFound('No image found with ID x'), 'json', REQ);
    expect(rendered.status).toBe(404);
    expect(rendered.contentType).toBe('application/json');
    expect(JSON.parse(rendered.body)).toEqual({
      message: 'No image found with ID x<br /><br />\n\n\n',
      code: '404 Not Found',
      title: 'Not Found',
    });
  });

  it("keeps webob's default explanation when the message is the detail", () => {
    const rendered = renderGlanceError(forbiddenDetail('Property name may not be removed.'), 'json', REQ);
    expect(JSON.parse(rendered.body).message).toBe(
      'Access was denied to this resource.<br /><br />\nProperty name may not be removed.\n\n',
    );
  });

  it('strips the tags for plain text', () => {
    const rendered = renderGlanceError(notFound('No image found with ID x'), 'plain', REQ);
    expect(rendered.contentType).toBe('text/plain');
    expect(rendered.body).toBe('404 Not Found\n\nNo image found with ID x\n\n   ');
  });

  it('escapes the message in the HTML page', () => {
    const rendered = renderGlanceError(notFound('<b>x</b>'), 'html', REQ);
    expect(rendered.body).toContain('<title>404 Not Found</title>');
    expect(rendered.body).toContain('&lt;b&gt;x&lt;/b&gt;<br /><br />');
  });

  it('fills the 415 and 405 templates from the request and passes their headers', () => {
    const unsupported = renderGlanceError(
      unsupportedMediaType('Invalid content type text/plain', { 'Accept-Patch': 'x' }),
      'json',
      {
        method: 'PUT',
        contentType: 'text/plain',
      },
    );
    expect(JSON.parse(unsupported.body)).toEqual({
      message:
        'The request media type text/plain is not supported by this server.\n<br /><br />\nInvalid content type text/plain',
      code: '415 Unsupported Media Type',
      title: 'Unsupported Media Type',
    });
    expect(unsupported.headers).toEqual({ 'Accept-Patch': 'x' });
    const method = renderGlanceError(methodNotAllowed(['GET', 'POST']), 'json', { method: 'PUT', contentType: '' });
    expect(JSON.parse(method.body).message).toBe('The method PUT is not allowed for this resource. <br /><br />\n');
    expect(method.headers).toEqual({ Allow: 'GET, POST' });
  });
});
