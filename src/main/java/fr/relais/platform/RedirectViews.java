package fr.relais.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.autoconfigure.web.servlet.WebMvcRegistrations;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ViewNameMethodReturnValueHandler;
import org.springframework.web.servlet.view.RedirectView;

/**
 * A controller's {@code "redirect:<url>"} becomes its {@link RedirectView} at once, as the view resolvers would
 * make it (relative to the context, HTTP 302, the default model not exposed), without asking them.
 *
 * <p>Why: every step of a login is a redirect to a URL of its own (request id, ticket), so the resolvers' cache
 * never holds it: each of them made and initialised a new view bean through every bean post-processor
 * (Camel's scans all of the view's methods), for 10 % of Relais' CPU in the login benchmark. Other view names
 * go to the resolvers as before.
 */
@Configuration(proxyBeanMethods = false)
class RedirectViews implements WebMvcRegistrations {

    @Override
    public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
        return new RequestMappingHandlerAdapter() {
            @Override
            public void afterPropertiesSet() {
                super.afterPropertiesSet();
                List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>();
                handlers.add(new ViewNames());
                handlers.addAll(getReturnValueHandlers());
                setReturnValueHandlers(handlers);
            }
        };
    }

    /** View names returned by a controller (not a {@code @ResponseBody} string). */
    static final class ViewNames implements HandlerMethodReturnValueHandler {
        private static final String PREFIX = "redirect:";
        private final ViewNameMethodReturnValueHandler names = new ViewNameMethodReturnValueHandler();

        /** Asked at every request: the annotations are looked up once per controller method. */
        private final Map<MethodParameter, Boolean> viewNames = new ConcurrentHashMap<>();

        @Override
        public boolean supportsReturnType(MethodParameter returnType) {
            return CharSequence.class.isAssignableFrom(returnType.getParameterType())
                    && viewNames.computeIfAbsent(returnType, r ->
                            !returnType.hasMethodAnnotation(ResponseBody.class)
                            && !AnnotatedElementUtils.hasAnnotation(returnType.getContainingClass(), ResponseBody.class));
        }

        @Override
        public void handleReturnValue(Object value, MethodParameter returnType, ModelAndViewContainer mav,
                                      NativeWebRequest request) throws Exception {
            if (value instanceof CharSequence name && name.toString().startsWith(PREFIX)) {
                mav.setView(new RedirectView(name.toString().substring(PREFIX.length()), true, true));
                mav.setRedirectModelScenario(true);
            } else {
                names.handleReturnValue(value, returnType, mav, request);
            }
        }
    }
}
